import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCapturingLogger } from '../plugin-host/__fixtures__/test-plugin-packages.js';
import { openOperatorStores, type AuditLogStore } from '../storage/operator/index.js';
import { startAuditRetention } from './audit-retention.js';
import { createAuditTrail } from './audit-trail.js';

const ACTOR = { source: 'api_key', keyId: 'key_ops', tenantId: 'ops' };

describe('createAuditTrail', () => {
  it('appends the entry to the store and writes one structured "audit" log line', async () => {
    const stores = openOperatorStores({ kind: 'sqlite', path: ':memory:' });
    const { logger, lines } = createCapturingLogger();
    const at = new Date('2025-06-01T12:00:00.000Z');
    await createAuditTrail({ store: stores.audit, logger, now: () => at }).record({ action: 'plugin.disable', actor: ACTOR, target: 'weather', clientAddress: '203.0.113.9', outcome: 'ok' });
    const [stored] = await stores.audit.query({ limit: 10 });
    expect(stored).toMatchObject({ at, action: 'plugin.disable', actor: ACTOR, tenantId: 'ops', target: 'weather', clientAddress: '203.0.113.9', outcome: 'ok', details: {} });
    expect(stored?.id).toMatch(/^[0-9a-f]{24}$/);
    expect(lines).toEqual([expect.objectContaining({ level: 30, component: 'audit', audit: expect.objectContaining({ id: stored?.id, action: 'plugin.disable', tenant: 'ops', outcome: 'ok' }) })]);
    await stores.close();
  });

  it('keeps the log line and counts the failure when the store is down, without failing the action', async () => {
    const { logger, lines } = createCapturingLogger();
    const registry = new Registry();
    const down: AuditLogStore = { append: () => Promise.reject(new Error('connection refused')), query: async () => [], deleteOlderThan: async () => 0 };
    await createAuditTrail({ store: down, logger, metricsRegistry: registry }).record({ action: 'api_key.revoke', actor: ACTOR, target: 'key_x', outcome: 'ok' });
    expect(lines).toEqual([expect.objectContaining({ level: 50, audit: expect.objectContaining({ action: 'api_key.revoke' }) })]);
    expect((await registry.getSingleMetric('acai_audit_write_failures_total')?.get())?.values[0]?.value).toBe(1);
  });

  it('bounds what one entry can hold: long messages and targets are cut, huge details replaced by a note', async () => {
    const stores = openOperatorStores({ kind: 'sqlite', path: ':memory:' });
    const { logger } = createCapturingLogger();
    await createAuditTrail({ store: stores.audit, logger }).record({
      action: 'config.reload',
      actor: { source: 'host' },
      target: 't'.repeat(5_000),
      outcome: 'refused',
      message: 'm'.repeat(50_000),
      details: { plugins: Array.from({ length: 5_000 }, (_, index) => `plugin-${index}`) },
    });
    const [stored] = await stores.audit.query({ limit: 1 });
    expect(stored?.target.length).toBe(200);
    expect(stored?.message.length).toBe(1_000);
    expect(stored?.details).toEqual({ truncated: true, size: expect.any(Number) });
    expect(stored?.tenantId).toBe('');
    await stores.close();
  });
});

describe('startAuditRetention', () => {
  it('deletes entries older than the retention on start and counts them; 0 days keeps everything', async () => {
    const stores = openOperatorStores({ kind: 'sqlite', path: ':memory:' });
    const { logger } = createCapturingLogger();
    const now = new Date('2025-06-30T00:00:00.000Z');
    const trail = (at: Date) => createAuditTrail({ store: stores.audit, logger, now: () => at });
    await trail(new Date('2025-05-01T00:00:00.000Z')).record({ action: 'plugin.enable', actor: ACTOR, outcome: 'ok' });
    await trail(new Date('2025-06-25T00:00:00.000Z')).record({ action: 'plugin.disable', actor: ACTOR, outcome: 'ok' });

    const keepAll = startAuditRetention({ store: stores.audit, retentionDays: 0, logger, now: () => now });
    expect(await keepAll.runOnce()).toBe(0);
    keepAll.stop();

    const registry = new Registry();
    const retention = startAuditRetention({ store: stores.audit, retentionDays: 30, logger, metricsRegistry: registry, now: () => now });
    await retention.runOnce();
    retention.stop();
    expect((await stores.audit.query({ limit: 10 })).map((entry) => entry.action)).toEqual(['plugin.disable']);
    expect((await registry.getSingleMetric('acai_audit_entries_deleted_total')?.get())?.values[0]?.value).toBe(1);
    await stores.close();
  });
});
