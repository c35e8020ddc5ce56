// The plugin admin API (acai.admin.PluginService) over Twirp, behind the real auth plugin, operating a
// ReloadablePluginHost on the real loader with worker-mode fixture plugins.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLUGIN_ADMIN_PATH_PREFIX, registerPluginAdminService } from '../../core/src/admin/index.js';
import { authPlugin, createAuthenticator, parseBootstrapKeys } from '../../core/src/auth/index.js';
import { createClientIpResolver } from '../../core/src/client-address/index.js';
import { WAIT } from '../support/timing.js';
import { startReloadTestbed, type ReloadTestbed } from './reload-support.js';

const ADMIN_KEY = 'acai_admin_key_0123456789';
const CHAT_KEY = 'acai_chat_key_0123456789';

interface Harness {
  readonly testbed: ReloadTestbed;
  readonly app: FastifyInstance;
  call(method: string, body?: Record<string, unknown>, key?: string | null): Promise<{ status: number; body: Record<string, unknown> }>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) {
    await harness.app.close();
    await harness.testbed.close();
  }
});

async function start(options: { isAuthDisabled?: boolean } = {}): Promise<Harness> {
  const testbed = await startReloadTestbed([{ name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'worker', required: true }]);
  const app = Fastify();
  await app.register(authPlugin, {
    authenticator: createAuthenticator({ disabled: options.isAuthDisabled === true, sources: [parseBootstrapKeys(`${ADMIN_KEY}:ops:admin,${CHAT_KEY}:acme:chat`)] }),
    protect: [{ prefix: PLUGIN_ADMIN_PATH_PREFIX, scope: 'admin' }],
    clientIp: createClientIpResolver([]),
  });
  await registerPluginAdminService(app, { host: testbed.host, workerHealth: (name) => testbed.workerEvents.get(name) });
  const harness: Harness = {
    testbed,
    app,
    async call(method, body = {}, key = ADMIN_KEY) {
      const response = await app.inject({
        method: 'POST',
        url: `${PLUGIN_ADMIN_PATH_PREFIX}${method}`,
        headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
        payload: JSON.stringify(body),
      });
      return { status: response.statusCode, body: response.json() as Record<string, unknown> };
    },
  };
  harnesses.push(harness);
  return harness;
}

function plugin(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  return (body.plugins as Array<Record<string, unknown>>).find((entry) => entry.name === name);
}

describe('acai.admin.PluginService', () => {
  it('requires an API key with the admin scope', async () => {
    const { call } = await start();
    expect(await call('ListPlugins', {}, null)).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
    expect(await call('ListPlugins', {}, CHAT_KEY)).toMatchObject({ status: 403, body: { code: 'permission_denied' } });
    expect((await call('ListPlugins')).status).toBe(200);
  });

  it('serves an auth-disabled (development) principal, which carries every scope', async () => {
    const { call } = await start({ isAuthDisabled: true });
    expect(await call('ListPlugins', {}, null)).toMatchObject({ status: 200 });
  });

  it('lists plugins (proto field names on the wire) with source, version, SDK range, mode, state, tools, breaker and counters', async () => {
    const { call, testbed } = await start();
    await testbed.host.callTool('forecast__get_forecast', { city: 'Lima' });
    await testbed.host.callTool('forecast__get_forecast', { town: 'Lima' });
    const { status, body } = await call('ListPlugins');
    expect(status).toBe(200);
    expect(body.generation).toBe('1');
    expect(plugin(body, 'forecast')).toMatchObject({
      name: 'forecast',
      source: expect.stringMatching(/^tarball .*forecast-1\.0\.0\.tgz$/),
      version: '1.0.0',
      sdk_range: '^1.0.0',
      mode: 'worker',
      state: 'ACTIVE',
      required: true,
      tools: [{ exposed_name: 'forecast__get_forecast', name: 'get_forecast', description: 'Forecast for a city', idempotent: true }],
      breaker_state: 'CLOSED',
      call_count: '2',
    });
  });

  it('reloads the plugin set and reports what changed; a refused reload names the problem and keeps the old set', async () => {
    const { call, testbed } = await start();
    await testbed.writeConfig([{ name: 'forecast', tarball: testbed.tarball('1.1.0'), mode: 'worker', required: true }]);
    expect(await call('ReloadPlugins')).toMatchObject({ status: 200, body: { generation: '2', reloaded: ['forecast'] } });
    expect(plugin((await call('ListPlugins')).body, 'forecast')).toMatchObject({ version: '1.1.0' });

    await testbed.writeConfig([{ name: 'forecast', tarball: testbed.tarball('1.0.0'), mode: 'worker', required: true }, { name: 'throw-on-import', path: testbed.fixture('throw-on-import'), required: true }]);
    const refused = await call('ReloadPlugins');
    expect(refused).toMatchObject({ status: 412, body: { code: 'failed_precondition', meta: { host_code: 'HOST_PLUGIN_REQUIRED_FAILED' } } });
    expect(String(refused.body.msg)).toContain('fixture: importing this plugin fails on purpose');
    expect(plugin((await call('ListPlugins')).body, 'forecast')).toMatchObject({ version: '1.1.0' });
  });

  it('disables and enables a plugin', async () => {
    const { call, testbed } = await start();
    expect(await call('DisablePlugin', { name: 'forecast' })).toMatchObject({ status: 200, body: { plugin: { name: 'forecast', state: 'DISABLED' } } });
    await expect(testbed.host.callTool('forecast__get_forecast', { city: 'Quito' })).resolves.toMatchObject({ outcome: 'unknown_tool' });
    expect(await call('EnablePlugin', { name: 'forecast' })).toMatchObject({ status: 200, body: { plugin: { name: 'forecast', state: 'ACTIVE' } } });
    await expect(testbed.host.callTool('forecast__get_forecast', { city: 'Quito' })).resolves.toMatchObject({ outcome: 'ok' });
    expect(await call('EnablePlugin', { name: 'nope' })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await call('DisablePlugin', {})).toMatchObject({ status: 400, body: { code: 'invalid_argument' } });
  });

  it('resets an open breaker', async () => {
    const { call, testbed } = await start();
    await testbed.writeConfig([{ name: 'forecast', tarball: testbed.tarball('1.2.0'), mode: 'worker', required: true }]);
    await call('ReloadPlugins');
    await testbed.host.callTool('forecast__get_forecast', { city: 'Bogotá' });
    await testbed.host.callTool('forecast__get_forecast', { city: 'Bogotá' });
    const listed = plugin((await call('ListPlugins')).body, 'forecast');
    expect(listed).toMatchObject({ breaker_state: 'OPEN', call_count: '2', error_count: '2' });
    expect(String(listed?.last_error)).toContain('cannot reach its provider');
    expect(listed?.last_error_time).toEqual(expect.any(String));
    expect(await call('ResetBreaker', { name: 'forecast' })).toMatchObject({ status: 200, body: { plugin: { breaker_state: 'CLOSED' } } });
  });

  it('reports worker restarts and the crash that caused them', async () => {
    const { call, testbed } = await start();
    await testbed.writeConfig([
      { name: 'forecast', tarball: testbed.tarball('1.0.0'), mode: 'worker', required: true },
      { name: 'memory-bomb', path: testbed.fixture('memory-bomb'), mode: 'worker' },
    ]);
    await call('ReloadPlugins');
    const result = await testbed.host.callTool('memory-bomb__allocate_forever', {});
    expect(result.outcome).not.toBe('ok');
    await vi.waitFor(() => expect(testbed.workerEvents.get('memory-bomb').restarts).toBe(1), WAIT);
    const listed = plugin((await call('ListPlugins')).body, 'memory-bomb');
    expect(listed).toMatchObject({ state: 'ACTIVE', restart_count: '1' });
    expect(String(listed?.last_error)).toContain('out-of-memory');
  });
});
