// One contract for the operator's records (plugin overrides and the audit log), run on MongoDB (FerretDB)
// and on the embedded SQLite store: the same calls must give the same answers on both.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectIdHex } from '../../core/src/storage/index.js';
import type { AuditRecord, OperatorActor, OperatorStores } from '../../core/src/storage/operator/index.js';

/** How the suite reaches one implementation: every `open()` is a new connection to the same data (another replica). */
export interface OperatorStoresFactory {
  open(): Promise<OperatorStores>;
  destroy(): Promise<void>;
}

const OPS: OperatorActor = { source: 'api_key', keyId: 'key_ops0001', tenantId: 'ops' };
const ACME: OperatorActor = { source: 'api_key', keyId: 'key_acme001', tenantId: 'acme' };

function entry(at: Date, fields: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: createObjectIdHex(at),
    at,
    action: 'plugin.disable',
    actor: OPS,
    tenantId: 'ops',
    target: 'weather',
    clientAddress: '10.0.0.7',
    outcome: 'ok',
    message: '',
    details: {},
    ...fields,
  };
}

export function describeOperatorStoresContract(label: string, makeFactory: () => OperatorStoresFactory): void {
  describe(`operator stores: ${label}`, () => {
    let factory: OperatorStoresFactory;
    let stores: OperatorStores;
    let replica: OperatorStores;

    beforeAll(async () => {
      factory = makeFactory();
      stores = await factory.open();
      replica = await factory.open();
    });

    afterAll(async () => {
      await stores?.close();
      await replica?.close();
      await factory?.destroy();
    });

    describe('plugin overrides', () => {
      it('keeps the last enabled value per plugin with who set it and when, seen by another connection', async () => {
        const first = new Date('2025-03-01T10:00:00.000Z');
        const second = new Date('2025-03-01T10:05:00.000Z');
        await stores.overrides.setEnabled('weather', false, OPS, first);
        await replica.overrides.setEnabled('weather', true, ACME, second);
        const records = await stores.overrides.list();
        expect(records.find((record) => record.plugin === 'weather')).toEqual({ plugin: 'weather', enabled: { value: true, actor: ACME, at: second } });
      });

      it('clears an override once, keeping the breaker reset next to it', async () => {
        const at = new Date('2025-03-02T08:00:00.000Z');
        await stores.overrides.setEnabled('holidays', false, OPS, at);
        await stores.overrides.recordBreakerReset('holidays', { source: 'cli', name: 'alice@build-1' }, at);
        expect(await replica.overrides.clearEnabled('holidays')).toBe(true);
        expect(await replica.overrides.clearEnabled('holidays')).toBe(false);
        expect(await replica.overrides.clearEnabled('never-set')).toBe(false);
        const record = (await stores.overrides.list()).find((candidate) => candidate.plugin === 'holidays');
        expect(record).toEqual({ plugin: 'holidays', breakerReset: { actor: { source: 'cli', name: 'alice@build-1' }, at } });
      });

      it('stores names and actors that look like operators or SQL as plain values', async () => {
        const hostile: OperatorActor = { source: 'api_key', keyId: `{"$ne":null}'; DROP TABLE plugin_overrides; --`, tenantId: '$where' };
        const at = new Date('2025-03-03T00:00:00.000Z');
        await stores.overrides.setEnabled("x'); DELETE FROM plugin_overrides; --", true, hostile, at);
        await stores.overrides.setEnabled('$gt', false, hostile, at);
        const records = await replica.overrides.list();
        expect(records.find((record) => record.plugin === "x'); DELETE FROM plugin_overrides; --")?.enabled).toEqual({ value: true, actor: hostile, at });
        expect(records.find((record) => record.plugin === '$gt')?.enabled?.value).toBe(false);
        expect(records.some((record) => record.plugin === 'weather')).toBe(true);
      });
    });

    describe('audit log', () => {
      // Entries of one minute each, newest last, over three tenants and two actions.
      const base = Date.parse('2030-01-01T00:00:00.000Z');
      const written: AuditRecord[] = [];

      beforeAll(async () => {
        for (let index = 0; index < 25; index += 1) {
          const at = new Date(base + index * 60_000);
          const tenant = ['ops', 'acme', 'globex'][index % 3]!;
          const record = entry(at, {
            tenantId: tenant,
            actor: { source: 'api_key', keyId: `key_${tenant}`, tenantId: tenant },
            action: index % 2 === 0 ? 'plugin.disable' : 'config.reload',
            details: { index, nested: { list: [1, 'two'] } },
            message: index === 3 ? 'HOST_PLUGIN_REQUIRED_FAILED: weather failed' : '',
            outcome: index === 3 ? 'refused' : 'ok',
          });
          written.push(record);
          await (index % 2 === 0 ? stores : replica).audit.append(record);
        }
        // two entries in the same millisecond: the id breaks the tie
        const same = new Date(base + 30 * 60_000);
        for (const target of ['a', 'b']) {
          const record = entry(same, { target, tenantId: 'tie', actor: { source: 'host' } });
          written.push(record);
          await stores.audit.append(record);
        }
      });

      const inRange = { since: new Date(base), until: new Date(base + 60 * 60_000) };

      it('reads entries back whole, newest first', async () => {
        const page = await replica.audit.query({ ...inRange, limit: 100 });
        expect(page).toHaveLength(27);
        const expected = [...written].sort((left, right) => right.at.getTime() - left.at.getTime() || (left.id < right.id ? 1 : -1));
        expect(page.map((record) => record.id)).toEqual(expected.map((record) => record.id));
        expect(page.find((record) => record.id === written[3]!.id)).toEqual(written[3]);
      });

      it('pages by position without gaps or repeats, across entries of the same millisecond', async () => {
        const seen: string[] = [];
        let after: { at: Date; id: string } | undefined;
        for (let pages = 0; pages < 20; pages += 1) {
          const page = await stores.audit.query({ ...inRange, limit: 4, ...(after === undefined ? {} : { after }) });
          seen.push(...page.map((record) => record.id));
          if (page.length < 4) break;
          const last = page.at(-1)!;
          after = { at: last.at, id: last.id };
        }
        expect(seen).toHaveLength(27);
        expect(new Set(seen).size).toBe(27);
      });

      it('filters by tenant, actions, actor key and time, all together', async () => {
        const acme = await stores.audit.query({ ...inRange, tenantId: 'acme', limit: 100 });
        expect(acme.length).toBe(8);
        expect(acme.every((record) => record.tenantId === 'acme')).toBe(true);
        const reloads = await stores.audit.query({ ...inRange, actions: ['config.reload'], limit: 100 });
        expect(reloads.every((record) => record.action === 'config.reload')).toBe(true);
        expect(reloads.length).toBe(12);
        const byKey = await stores.audit.query({ ...inRange, actorKeyId: 'key_globex', actions: ['plugin.disable', 'config.reload'], limit: 100 });
        expect(byKey.map((record) => record.tenantId)).toEqual(Array.from({ length: byKey.length }, () => 'globex'));
        const window = await stores.audit.query({ since: new Date(base + 5 * 60_000), until: new Date(base + 8 * 60_000), limit: 100 });
        expect(window.map((record) => (record.details as { index: number }).index)).toEqual([7, 6, 5]);
        expect(await stores.audit.query({ ...inRange, actions: [], limit: 10 })).toEqual([]);
      });

      it('matches filter values only as exact strings, however they look', async () => {
        for (const tenantId of ['{"$ne":null}', "' OR '1'='1", '%', '*', '.*']) {
          expect(await stores.audit.query({ ...inRange, tenantId, limit: 10 }), tenantId).toEqual([]);
        }
        expect(await stores.audit.query({ ...inRange, actions: ["plugin.disable' OR 1=1 --"], limit: 10 })).toEqual([]);
        expect(await stores.audit.query({ ...inRange, actorKeyId: '{"$gt":""}', limit: 10 })).toEqual([]);
      });

      it('deletes only entries older than the cutoff and says how many', async () => {
        const old = entry(new Date('2001-01-01T00:00:00.000Z'), { tenantId: 'retention' });
        const recent = entry(new Date('2001-06-01T00:00:00.000Z'), { tenantId: 'retention' });
        await stores.audit.append(old);
        await stores.audit.append(recent);
        expect(await replica.audit.deleteOlderThan(new Date('2001-03-01T00:00:00.000Z'))).toBe(1);
        expect((await stores.audit.query({ tenantId: 'retention', limit: 10 })).map((record) => record.id)).toEqual([recent.id]);
        expect(await replica.audit.deleteOlderThan(new Date('2001-03-01T00:00:00.000Z'))).toBe(0);
      });
    });
  });
}

/** A random suffix for collection prefixes and file names. */
export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}
