import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../auth/index.js';
import { HostError, toTwirpError } from '../errors/index.js';
import type { RpcContext } from '../rpc/index.js';
import { createObjectIdHex } from '../storage/index.js';
import { openOperatorStores, type OperatorStores } from '../storage/operator/index.js';
import { createAuditAdminService } from './audit-admin-service.js';
import { encodeAuditPageToken } from './audit-page-token.js';

let stores: OperatorStores;
const base = Date.parse('2025-05-01T00:00:00.000Z');

beforeAll(async () => {
  stores = openOperatorStores({ kind: 'sqlite', path: ':memory:' });
  // 30 entries a minute apart: tenants ops, acme, globex in turn; the host's own entries every 10th.
  for (let index = 0; index < 30; index += 1) {
    const at = new Date(base + index * 60_000);
    const tenant = index % 10 === 9 ? '' : ['ops', 'acme', 'globex'][index % 3]!;
    await stores.audit.append({
      id: createObjectIdHex(at),
      at,
      action: index % 2 === 0 ? 'plugin.disable' : 'config.reload',
      actor: tenant === '' ? { source: 'host' } : { source: 'api_key', keyId: `key_${tenant}`, tenantId: tenant },
      tenantId: tenant,
      target: 'weather',
      clientAddress: '10.0.0.1',
      outcome: 'ok',
      message: '',
      details: { index },
    });
  }
});
afterAll(() => stores.close());

const service = () => createAuditAdminService({ store: stores.audit, operatorTenants: ['ops'] });

function context(principal: Principal | undefined): RpcContext {
  return { requestId: 'r', headers: {}, signal: new AbortController().signal, deadline: Date.now() + 60_000, logger: pino({ enabled: false }), clientIp: '127.0.0.1', ...(principal ? { principal } : {}) };
}

const opsAdmin: Principal = { tenantId: 'ops', keyId: 'key_ops', scopes: ['admin'], source: 'api_key' };
const acmeAdmin: Principal = { tenantId: 'acme', keyId: 'key_acme', scopes: ['admin'], source: 'api_key' };

const list = (request: Record<string, unknown>, principal: Principal | null = opsAdmin) =>
  service().listAuditEntries({ pageSize: 0, pageToken: '', actions: [], actorKeyId: '', tenantId: '', ...request } as never, context(principal ?? undefined));

const wireCode = (call: Promise<unknown>) => call.then(() => 'ok', (error: unknown) => toTwirpError(error).code);

describe('ListAuditEntries', () => {
  it('gives an operator every entry, the host’s own included, newest first, in pages that join up', async () => {
    const seen: number[] = [];
    let pageToken = '';
    do {
      const page = await list({ pageSize: 7, pageToken });
      seen.push(...(page.entries ?? []).map((entry) => (entry.details as { index: number }).index));
      pageToken = page.nextPageToken ?? '';
    } while (pageToken !== '');
    expect(seen).toEqual(Array.from({ length: 30 }, (_, index) => 29 - index));
  });

  it('shows a tenant admin only its tenant, and refuses to show it another one', async () => {
    const page = await list({ pageSize: 200 }, acmeAdmin);
    expect(page.entries?.length).toBe(9);
    expect(page.entries?.every((entry) => entry.tenantId === 'acme')).toBe(true);
    expect(await wireCode(list({ tenantId: 'ops' }, acmeAdmin))).toBe('permission_denied');
    expect((await list({ tenantId: 'acme' }, acmeAdmin)).entries?.length).toBe(9);
    // an operator may narrow to one tenant
    expect((await list({ tenantId: 'globex', pageSize: 200 })).entries?.every((entry) => entry.tenantId === 'globex')).toBe(true);
  });

  it('treats an auth-disabled development principal as an operator', async () => {
    expect((await list({ pageSize: 200 }, { tenantId: 'default', scopes: ['admin'], source: 'auth_disabled' })).entries?.length).toBe(30);
  });

  it('filters by action, actor key and time', async () => {
    const reloads = await list({ actions: ['config.reload'], pageSize: 200 });
    expect(reloads.entries?.every((entry) => entry.action === 'config.reload')).toBe(true);
    expect(reloads.entries?.length).toBe(15);
    const byKey = await list({ actorKeyId: 'key_globex', pageSize: 200 });
    expect(byKey.entries?.map((entry) => entry.actor?.keyId)).toEqual(Array.from({ length: byKey.entries?.length ?? 0 }, () => 'key_globex'));
    const window = await list({ since: timestampFromDate(new Date(base + 10 * 60_000)), until: timestampFromDate(new Date(base + 13 * 60_000)) });
    expect(window.entries?.map((entry) => (entry.details as { index: number }).index)).toEqual([12, 11, 10]);
  });

  it('refuses callers without a principal or the admin scope', async () => {
    expect(await wireCode(list({}, null))).toBe('unauthenticated');
    expect(await wireCode(list({}, { tenantId: 'ops', scopes: ['chat'], source: 'api_key' }))).toBe('permission_denied');
  });

  it('refuses hostile page tokens, huge and injection-looking filters as invalid_argument, never echoing them', async () => {
    const forged = Buffer.from(JSON.stringify({ t: base, i: '{"$gt":""}' })).toString('base64url');
    const hostile: Array<Record<string, unknown>> = [
      { pageToken: 'not a token!' },
      { pageToken: 'x'.repeat(10_000) },
      { pageToken: forged },
      { pageToken: Buffer.from('[1,2,3]').toString('base64url') },
      { pageToken: Buffer.from(JSON.stringify({ t: -5, i: 'a'.repeat(24) })).toString('base64url') },
      { pageSize: 100_000 },
      { actions: Array.from({ length: 21 }, () => 'plugin.disable') },
      { actions: ["plugin.disable' OR 1=1 --"] },
      { actions: ['x'.repeat(100_000)] },
      { actorKeyId: '{"$ne":null}' },
      { actorKeyId: 'k'.repeat(10_000) },
      { tenantId: "acme' OR '1'='1" },
      { tenantId: 't'.repeat(1_000) },
      { since: timestampFromDate(new Date(base + 60_000)), until: timestampFromDate(new Date(base)) },
      { since: { seconds: 99_999_999_999_999n, nanos: 0 } },
    ];
    for (const request of hostile) {
      const failure = await list(request).catch((error: unknown) => error);
      expect(HostError.isInstance(failure) && failure.code, JSON.stringify(request, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)).slice(0, 80)).toBe('HOST_INVALID_ARGUMENT');
      expect((failure as Error).message.length).toBeLessThan(300);
      expect((failure as Error).message).not.toContain('OR 1=1');
      expect((failure as Error).message).not.toContain('$ne');
    }
  });

  it('accepts a well-formed token of its own, even for a position past the last entry', async () => {
    const token = encodeAuditPageToken({ at: new Date(base - 60_000), id: 'f'.repeat(24) }, 'ops');
    expect(await list({ pageToken: token })).toMatchObject({ entries: [], nextPageToken: '' });
  });

  it("refuses a token returned to another tenant's key, telling the caller to list again", async () => {
    const operatorsToken = (await list({ pageSize: 2 })).nextPageToken!;
    const failure = await list({ pageToken: operatorsToken }, acmeAdmin).catch((error: unknown) => error);
    expect(HostError.isInstance(failure) && failure.code).toBe('HOST_INVALID_ARGUMENT');
    expect((failure as HostError).message).toBe('page_token was returned to another caller, not to this one; list again without page_token');
  });

  it("reads a token of the previous release (no tenant in it) within the caller's own entries only", async () => {
    const legacy = Buffer.from(JSON.stringify({ t: base + 30 * 60_000, i: 'f'.repeat(24) })).toString('base64url');
    const page = await list({ pageToken: legacy, pageSize: 200 }, acmeAdmin);
    expect(page.entries?.length).toBe(9);
    expect(page.entries?.every((entry) => entry.tenantId === 'acme')).toBe(true);
  });
});
