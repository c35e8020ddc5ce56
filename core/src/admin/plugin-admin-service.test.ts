import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditTrail } from '../audit/index.js';
import { HostError, toTwirpError } from '../errors/index.js';
import type { PluginStatus } from '../plugin-host/index.js';
import type { RpcContext } from '../rpc/index.js';
import { createPluginAdminService, type PluginAdminTarget } from './plugin-admin-service.js';

const status: PluginStatus = {
  name: 'weather',
  version: '1.1.0',
  sdkRange: '^1.0.0',
  source: 'package @acai/plugin-weather',
  mode: 'worker',
  kind: 'npm',
  required: false,
  state: 'loaded',
  startAttempts: { made: 1, max: 4 },
  tools: ['weather__get_forecast'],
  quarantinedTools: [],
  breakerState: 'half-open',
  calls: 7,
  errors: 2,
  lastError: { code: 'UPSTREAM_FAILED', message: 'provider said 502', at: '2025-03-01T10:00:00.000Z' },
};

function target(overrides: Partial<PluginAdminTarget> = {}): PluginAdminTarget {
  return {
    generation: 3,
    listPlugins: () => [status],
    listTools: () => [
      {
        exposedName: 'weather__get_forecast',
        plugin: 'weather',
        pluginVersion: '1.1.0',
        tool: 'get_forecast',
        description: 'Forecast',
        parameters: {},
        schemaFingerprint: '0123456789abcdef',
        idempotent: true,
        available: true,
      },
    ],
    reload: async () => ({ generation: 4, reloaded: ['weather'], added: [], removed: [], unchanged: [], failed: [], schemaChanges: [], configChanges: { added: [], removed: [], changed: [] }, skipped: false }),
    setEnabled: async () => status,
    clearOverride: async () => status,
    resetBreaker: () => true,
    ...overrides,
  };
}

function context(scopes: string[] | undefined): RpcContext {
  return {
    requestId: 'r1',
    headers: {},
    signal: new AbortController().signal,
    deadline: Date.now() + 60_000,
    logger: pino({ enabled: false }),
    clientIp: '127.0.0.1',
    ...(scopes === undefined ? {} : { principal: { tenantId: 'ops', scopes, source: 'api_key' } }),
  };
}

describe('createPluginAdminService', () => {
  it('refuses calls without a principal, and principals without the admin scope', async () => {
    const service = createPluginAdminService({ host: target() });
    await expect(service.listPlugins({} as never, context(undefined))).rejects.toSatisfy((error) => HostError.isInstance(error) && error.code === 'HOST_UNAUTHENTICATED');
    await expect(service.listPlugins({} as never, context(['chat']))).rejects.toSatisfy((error) => HostError.isInstance(error) && error.code === 'HOST_PERMISSION_DENIED');
  });

  it('maps plugin status, tools, breaker, counters, last error and worker restarts', async () => {
    const service = createPluginAdminService({
      host: target(),
      workerHealth: () => ({ crashes: 1, restarts: 1, unhandledRejections: 0, isRestarting: false, lastCrash: { message: 'out-of-memory: heap', at: new Date('2025-03-01T09:00:00.000Z') } }),
    });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.generation).toBe(3n);
    expect(response.plugins?.[0]).toMatchObject({
      name: 'weather',
      sdkRange: '^1.0.0',
      state: 1,
      breakerState: 3,
      callCount: 7n,
      errorCount: 2n,
      restartCount: 1n,
      // the call failure is newer than the crash
      lastError: 'provider said 502',
      lastErrorCode: 'UPSTREAM_FAILED',
      startAttempts: 1,
      maxStartAttempts: 4,
      tools: [{ exposedName: 'weather__get_forecast', name: 'get_forecast', description: 'Forecast', idempotent: true }],
    });
  });

  it('shows a worker plugin between a crash and its restart as restarting', async () => {
    const service = createPluginAdminService({
      host: target(),
      workerHealth: () => ({ crashes: 1, restarts: 0, unhandledRejections: 0, isRestarting: true, lastCrash: { message: 'hard-deadline', at: new Date('2025-03-02T00:00:00.000Z') } }),
    });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.plugins?.[0]).toMatchObject({ state: 4, lastError: 'hard-deadline', lastErrorCode: 'HOST_PLUGIN_CRASHED' });
  });

  it('shows a plugin whose start timed out as starting, with the attempts and the coded failure', async () => {
    const starting: PluginStatus = {
      ...status,
      state: 'starting',
      tools: [],
      lastError: undefined,
      startAttempts: { made: 2, max: 4 },
      error: { code: 'HOST_PLUGIN_IMPORT_TIMEOUT', message: 'importing the plugin ran past the 6000 ms start-up hard deadline (attempt 2 of 4; trying again)' },
    };
    const service = createPluginAdminService({
      host: target({ listPlugins: () => [starting] }),
      // the killed attempt's worker counts as a crash, but the start failure is what the operator needs
      workerHealth: () => ({ crashes: 2, restarts: 0, unhandledRejections: 0, isRestarting: true, lastCrash: { message: 'hard-deadline: importing', at: new Date() } }),
    });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.plugins?.[0]).toMatchObject({
      state: 5,
      startAttempts: 2,
      maxStartAttempts: 4,
      lastErrorCode: 'HOST_PLUGIN_IMPORT_TIMEOUT',
      lastError: 'importing the plugin ran past the 6000 ms start-up hard deadline (attempt 2 of 4; trying again)',
    });
  });

  it('reports the code of a failed plugin\'s load error', async () => {
    const failed: PluginStatus = { ...status, state: 'failed', tools: [], lastError: undefined, error: { code: 'HOST_PLUGIN_IMPORT_FAILED', message: 'importing ./index.js failed: boom' } };
    const service = createPluginAdminService({ host: target({ listPlugins: () => [failed] }) });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.plugins?.[0]).toMatchObject({ state: 3, lastErrorCode: 'HOST_PLUGIN_IMPORT_FAILED', lastError: 'importing ./index.js failed: boom' });
  });

  it('describes an MCP plugin with its kind, transport, server name and server restarts', async () => {
    const mcpStatus: PluginStatus = {
      ...status,
      name: 'files',
      version: '2.3.0',
      sdkRange: undefined,
      source: 'mcp stdio npx -y files-server',
      mode: 'external',
      kind: 'mcp',
      transport: 'stdio',
      serverName: 'files-server',
      isRestarting: true,
    };
    const service = createPluginAdminService({
      host: target({ listPlugins: () => [mcpStatus, status] }),
      workerHealth: (name) => ({ crashes: 2, restarts: name === 'files' ? 2 : 0, unhandledRejections: 0, isRestarting: true, lastCrash: undefined }),
    });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.plugins?.[0]).toMatchObject({ name: 'files', mode: 'external', kind: 'mcp', transport: 'stdio', serverName: 'files-server', version: '2.3.0', restartCount: 2n, state: 4 });
    expect(response.plugins?.[1]).toMatchObject({ name: 'weather', kind: 'npm', transport: '', serverName: '' });
  });

  it('shows an installed release with its integrity and signer, and a refused release next to the last good one serving', async () => {
    const integrity = `sha512-${'A'.repeat(86)}==`;
    const kept: PluginStatus = {
      ...status,
      version: '1.0.0',
      lastError: undefined,
      installed: { version: '1.0.0', integrity },
      signer: 'SHA256:abc',
      refusedRelease: { version: '1.1.0', code: 'HOST_PLUGIN_BREAKING_CHANGE', message: 'release 1.1.0 breaks the tool parameters of 1.0.0' },
    };
    const service = createPluginAdminService({ host: target({ listPlugins: () => [kept, status] }) });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.plugins?.[0]).toMatchObject({ version: '1.0.0', state: 1, integrity, signer: 'SHA256:abc', refusedVersion: '1.1.0', lastError: 'release 1.1.0 breaks the tool parameters of 1.0.0' });
    expect(response.plugins?.[1]).toMatchObject({ integrity: '', signer: '', refusedVersion: '' });
  });

  it('lists what each plugin asks for, what its entry grants and the sandbox it runs in (or why none)', async () => {
    const permissions = (network: string[], scratchMb?: number) => ({ network, env: [], read: [], scratchMb, processes: false });
    const sandboxed: PluginStatus = {
      ...status,
      name: 'quotes',
      permissions: { requested: permissions(['api.quotes.example']), granted: permissions(['api.quotes.example', '*.cdn.example'], 16) },
      sandbox: { kind: 'bubblewrap', description: { kind: 'bubblewrap', readOnlyPaths: [], scratchMb: 16, networkHosts: [], mayStartProcesses: false } },
    };
    const optedOut: PluginStatus = { ...status, name: 'legacy', sandbox: { kind: 'none', exemption: 'opted-out' } };
    const service = createPluginAdminService({ host: target({ listPlugins: () => [sandboxed, optedOut, status] }) });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.plugins?.[0]).toMatchObject({
      name: 'quotes',
      sandbox: 'bubblewrap',
      sandboxExemption: '',
      requestedPermissions: { network: ['api.quotes.example'], scratchMb: 0, processes: false },
      grantedPermissions: { network: ['api.quotes.example', '*.cdn.example'], scratchMb: 16 },
    });
    expect(response.plugins?.[1]).toMatchObject({ name: 'legacy', sandbox: 'none', sandboxExemption: 'opted-out' });
    // Not decided yet (a plugin that failed before its manifest was read): left empty.
    expect(response.plugins?.[2]).toMatchObject({ name: 'weather', sandbox: '', sandboxExemption: '' });
    expect(response.plugins?.[2]?.requestedPermissions).toBeUndefined();
  });

  it('reports a refused reload to the operator with its message instead of a generic internal error', async () => {
    const refusal = new HostError('HOST_PLUGIN_REQUIRED_FAILED', 'Required plugin failed to load: weather: setup failed');
    const service = createPluginAdminService({ host: target({ reload: () => Promise.reject(refusal) }) });
    const failure = await service.reloadPlugins({} as never, context(['admin'])).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'HOST_ADMIN_CHANGE_REFUSED', cause: refusal });
    expect(toTwirpError(failure)).toMatchObject({ code: 'failed_precondition', message: refusal.message, meta: { host_code: 'HOST_PLUGIN_REQUIRED_FAILED' } });
  });

  it('answers not_found for an unknown plugin and failed_precondition when resetting a plugin that is not loaded', async () => {
    const service = createPluginAdminService({ host: target({ listPlugins: () => [{ ...status, state: 'failed' }] }) });
    const wireCode = (call: Promise<unknown>) => call.then(() => 'resolved', (error: unknown) => toTwirpError(error).code);
    expect(await wireCode(service.resetBreaker({ name: 'ghost' } as never, context(['admin'])))).toBe('not_found');
    expect(await wireCode(service.resetBreaker({ name: 'weather' } as never, context(['admin'])))).toBe('failed_precondition');
  });

  it('refuses empty, oversized and hostile plugin names as invalid_argument without echoing them', async () => {
    const service = createPluginAdminService({ host: target() });
    for (const name of ['', '   ', 'x'.repeat(100_000), '../../etc/passwd', 'Weather', 'weather; DROP', '__proto__', 'weather\n']) {
      for (const call of [service.enablePlugin, service.disablePlugin, service.resetBreaker]) {
        const failure = await call({ name } as never, context(['admin'])).catch((error: unknown) => error);
        expect(HostError.isInstance(failure) && failure.code).toBe('HOST_INVALID_ARGUMENT');
        expect((failure as Error).message.length).toBeLessThan(200);
      }
    }
  });
});

describe('createPluginAdminService operator records', () => {
  const actor = { source: 'api_key', tenantId: 'ops' };

  it('shows the file value, the override with who set it, the last breaker reset and the config drift', async () => {
    const at = new Date('2025-03-02T08:00:00.000Z');
    const service = createPluginAdminService({
      host: target({
        drift: { code: 'HOST_PLUGIN_REQUIRED_FAILED', reason: 'weather failed', since: at, trigger: 'startup', lastGoodAt: new Date('2025-03-01T00:00:00.000Z') },
        fileEnabled: () => true,
        overrideOf: () => ({ plugin: 'weather', enabled: { value: false, actor: { source: 'api_key', keyId: 'key_ops1', tenantId: 'ops' }, at }, breakerReset: { actor: { source: 'cli', name: 'alice@build-1' }, at } }),
      }),
    });
    const response = await service.listPlugins({} as never, context(['admin']));
    expect(response.drift).toMatchObject({ code: 'HOST_PLUGIN_REQUIRED_FAILED', reason: 'weather failed', trigger: 'startup' });
    expect(response.drift?.lastGoodTime).toBeDefined();
    expect(response.plugins?.[0]).toMatchObject({
      fileEnabled: true,
      enabledOverride: { enabled: false, setBy: { keyId: 'key_ops1', tenantId: 'ops', source: 'api_key', name: '' } },
      lastBreakerReset: { resetBy: { source: 'cli', name: 'alice@build-1', keyId: '', tenantId: '' } },
    });
  });

  it('records every change with the caller, its address and the outcome; a refusal as refused with its reason', async () => {
    const events: AuditEvent[] = [];
    const audit: AuditTrail = { record: async (event) => void events.push(event) };
    const refusal = new HostError('HOST_PLUGIN_REQUIRED_FAILED', 'Required plugin failed to load: weather');
    const service = createPluginAdminService({ host: target({ setEnabled: async (_name, isEnabled) => (isEnabled ? status : Promise.reject(refusal)) }), audit });
    const call = { ...context(['admin']), clientIp: '203.0.113.9' };
    await service.enablePlugin({ name: 'weather' } as never, call);
    await service.disablePlugin({ name: 'weather' } as never, call).catch(() => {});
    await service.resetBreaker({ name: 'weather' } as never, call);
    await service.clearPluginOverride({ name: 'weather' } as never, call);
    await service.reloadPlugins({ ifChanged: false } as never, call);
    expect(events.map((event) => [event.action, event.outcome, event.target ?? '', event.clientAddress])).toEqual([
      ['plugin.enable', 'ok', 'weather', '203.0.113.9'],
      ['plugin.disable', 'refused', 'weather', '203.0.113.9'],
      ['plugin.reset_breaker', 'ok', 'weather', '203.0.113.9'],
      ['plugin.clear_override', 'ok', 'weather', '203.0.113.9'],
      ['config.reload', 'ok', '', '203.0.113.9'],
    ]);
    expect(events.every((event) => JSON.stringify(event.actor) === JSON.stringify(actor))).toBe(true);
    expect(events[1]?.message).toContain('Required plugin failed to load');
  });

  it('records nothing for a request refused before it reached the host (bad name, no admin scope)', async () => {
    const events: AuditEvent[] = [];
    const service = createPluginAdminService({ host: target(), audit: { record: async (event) => void events.push(event) } });
    await service.disablePlugin({ name: '../../etc/passwd' } as never, context(['admin'])).catch(() => {});
    await service.disablePlugin({ name: 'weather' } as never, context(['chat'])).catch(() => {});
    await service.resetBreaker({ name: 'ghost' } as never, context(['admin'])).catch(() => {});
    expect(events).toEqual([]);
  });
});
