// The plugin admin API (acai.admin.PluginService) on the REAL host: buildApp with MongoDB-wire, Redis,
// the shipped datetime plugin (inline) and the forecast fixture from tarballs (worker mode), the fake
// OpenAI server driven through the real client. What the model is offered is asserted on what the
// fake received; upgrades are seen in the chat API's tool-call provenance.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { WAIT } from '../support/timing.js';
import { bearer, CHAT_MODEL, fakeModelEnv, scrapeMetrics, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost, sharedServicesEnv } from './host-support.js';
import {
  ADMIN_SERVICE,
  adminJson,
  createPluginsWorkspace,
  DATETIME_ENTRY,
  decodeAdminMessage,
  encodeAdminMessage,
  listedPlugin,
  type PluginsWorkspace,
} from './plugins-workspace.js';

const CHAT_KEY = 'acai_e2e_admin_suite_chat_key_0123456789';
const ADMIN_KEY = 'acai_e2e_admin_suite_ops_key_0123456789';
const ADMIN_METHODS = ['ListPlugins', 'EnablePlugin', 'DisablePlugin', 'ReloadPlugins', 'ResetBreaker'] as const;

/**
 * The "model": "time" → the datetime tool; "forecast for <city>" → the forecast tool; a tool result is
 * read back; anything else is echoed. It calls only tools it was offered, like a real model.
 */
function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Plugin Admin Suite' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content).slice(0, 300)}` };
  const text = typeof last?.content === 'string' ? last.content : '';
  const offered = new Set(body.tools?.map((tool) => tool.function.name) ?? []);
  const city = /forecast for (\w+)/i.exec(text)?.[1];
  if (city !== undefined && offered.has('forecast__get_forecast')) return { type: 'tool_calls', calls: [{ name: 'forecast__get_forecast', arguments: { city } }] };
  if (/\btime\b/i.test(text) && offered.has('datetime__get_current_time')) {
    return { type: 'tool_calls', calls: [{ name: 'datetime__get_current_time', arguments: { time_zone: 'Europe/Madrid' } }] };
  }
  return { type: 'text', content: `echo: ${text}` };
}

let fake: FakeOpenAIServer;
let workspace: PluginsWorkspace;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  workspace = await createPluginsWorkspace([DATETIME_ENTRY, { name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'worker' }]);
  host = await startTestHost({
    ...fakeModelEnv(fake),
    PLUGINS_CONFIG: workspace.configPath,
    ...sharedServicesEnv('e2e_admin'),
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-a:chat,${ADMIN_KEY}:ops:admin+metrics`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
  });
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await workspace?.close();
});

/** Every test starts from datetime + forecast 1.0.0, both enabled, breakers closed. */
beforeEach(async () => {
  await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.0.0')]);
  await host.app.reloadPlugins('admin');
  for (const name of ['datetime', 'forecast']) {
    if (host.app.pluginHost.listPlugins().find((plugin) => plugin.name === name)?.state === 'disabled') await host.app.pluginHost.setEnabled(name, true);
  }
  fake.reset();
  fake.respondWith(scriptedModel);
});

const admin = (method: string, body: unknown = {}, key: string | null = ADMIN_KEY) => adminJson(host.url, method, body, key === null ? {} : bearer(key));

async function chat(message: string) {
  const response = await twirpJson(host.url, 'StartConversation', { message }, bearer(CHAT_KEY));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** Tool names in the last chat-model request the fake received. */
function lastOfferedTools(): string[] {
  const bodies = fake.completionBodies(CHAT_MODEL);
  return (bodies.at(-1)?.tools ?? []).map((tool) => tool.function.name);
}

describe('the plugin admin API on the real host', () => {
  it('requires the admin scope: no key is unauthenticated, a chat-only key is permission_denied, an admin key is served', async () => {
    for (const method of ADMIN_METHODS) {
      const body = method === 'ListPlugins' || method === 'ReloadPlugins' ? {} : { name: 'datetime' };
      expect(await admin(method, body, null), method).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
      expect(await admin(method, body, 'acai_not_a_real_key_0000000000000000'), method).toMatchObject({ status: 401, body: { code: 'unauthenticated' } });
      expect(await admin(method, body, CHAT_KEY), method).toMatchObject({ status: 403, body: { code: 'permission_denied' } });
    }
    // nothing was disabled by the refused calls
    expect(host.app.pluginHost.listPlugins().map((plugin) => plugin.state)).toEqual(['loaded', 'loaded']);
    const listed = await admin('ListPlugins');
    expect(listed.status).toBe(200);
    expect((listed.body.plugins as unknown[]).length).toBe(2);
  });

  it('serves binary protobuf requests encoded and decoded by protoc', async () => {
    const response = await fetch(`${host.url}/twirp/${ADMIN_SERVICE}/ListPlugins`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(ADMIN_KEY) },
      body: encodeAdminMessage('ListPluginsRequest', ''),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/protobuf');
    const text = decodeAdminMessage('ListPluginsResponse', Buffer.from(await response.arrayBuffer()));
    expect(text).toContain('name: "datetime"');
    expect(text).toContain('source: "package @acai/plugin-datetime"');
    expect(text).toContain('mode: "inline"');
    expect(text).toContain('name: "forecast"');
    expect(text).toContain('mode: "worker"');
    expect(text).toContain('state: ACTIVE');
    expect(text).toContain('breaker_state: CLOSED');
    expect(text).toMatch(/generation: \d+/);

    const denied = await fetch(`${host.url}/twirp/${ADMIN_SERVICE}/DisablePlugin`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(CHAT_KEY) },
      body: encodeAdminMessage('DisablePluginRequest', 'name: "datetime"'),
    });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ code: 'permission_denied' });

    const disabled = await fetch(`${host.url}/twirp/${ADMIN_SERVICE}/DisablePlugin`, {
      method: 'POST',
      headers: { 'content-type': 'application/protobuf', ...bearer(ADMIN_KEY) },
      body: encodeAdminMessage('DisablePluginRequest', 'name: "forecast"'),
    });
    expect(disabled.status).toBe(200);
    const disabledText = decodeAdminMessage('DisablePluginResponse', Buffer.from(await disabled.arrayBuffer()));
    expect(disabledText).toContain('name: "forecast"');
    expect(disabledText).toContain('state: DISABLED');
  });

  it('lists every plugin with source, version, SDK range, mode, state, tools, breaker state, counters and last error', async () => {
    await chat('What time is it?');
    await chat('forecast for Lima');
    const { status, body } = await admin('ListPlugins');
    expect(status).toBe(200);
    expect(Number(body.generation)).toBe(host.app.pluginHost.generation);
    expect(listedPlugin(body, 'datetime')).toMatchObject({
      name: 'datetime',
      source: 'package @acai/plugin-datetime',
      version: '1.0.0',
      sdk_range: '^1.0.0',
      mode: 'inline',
      state: 'ACTIVE',
      breaker_state: 'CLOSED',
      call_count: '1',
      tools: expect.arrayContaining([expect.objectContaining({ exposed_name: 'datetime__get_current_time', name: 'get_current_time' })]),
    });
    expect(listedPlugin(body, 'forecast')).toMatchObject({
      name: 'forecast',
      source: `tarball ${workspace.tarball('1.0.0')}`,
      version: '1.0.0',
      sdk_range: '^1.0.0',
      mode: 'worker',
      state: 'ACTIVE',
      breaker_state: 'CLOSED',
      call_count: '1',
      tools: [{ exposed_name: 'forecast__get_forecast', name: 'get_forecast', description: 'Forecast for a city', idempotent: true }],
    });
    // no failures yet: proto3 JSON leaves zero and empty fields out
    expect(listedPlugin(body, 'forecast')).not.toHaveProperty('error_count');
    expect(listedPlugin(body, 'forecast')).not.toHaveProperty('last_error');
  });

  it('refuses malformed, oversized and hostile admin requests with Twirp errors and keeps serving', async () => {
    const post = (method: string, payload: string | Buffer, contentType = 'application/json') =>
      fetch(`${host.url}/twirp/${ADMIN_SERVICE}/${method}`, { method: 'POST', headers: { 'content-type': contentType, ...bearer(ADMIN_KEY) }, body: payload });

    const notJson = await post('DisablePlugin', '{"name": "datetime"');
    expect([notJson.status, ((await notJson.json()) as { code: string }).code]).toEqual([400, 'malformed']);
    const wrongType = await post('DisablePlugin', '{"name": 42}');
    expect([wrongType.status, ((await wrongType.json()) as { code: string }).code]).toEqual([400, 'malformed']);
    const garbageProtobuf = await post('DisablePlugin', Buffer.from([0xff, 0xff, 0xff, 0xff]), 'application/protobuf');
    expect([garbageProtobuf.status, ((await garbageProtobuf.json()) as { code: string }).code]).toEqual([400, 'malformed']);
    const oversized = await post('DisablePlugin', JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) }));
    expect([oversized.status, ((await oversized.json()) as { code: string }).code]).toEqual([400, 'invalid_argument']);

    const longName = await admin('DisablePlugin', { name: 'a'.repeat(200_000) });
    expect(longName).toMatchObject({ status: 400, body: { code: 'invalid_argument', meta: { argument: 'name' } } });
    expect(JSON.stringify(longName.body).length).toBeLessThan(500);
    for (const name of ['../../etc/passwd', '__proto__', 'DATETIME', 'datetime\u0000', 'date time']) {
      expect(await admin('DisablePlugin', { name }), name).toMatchObject({ status: 400, body: { code: 'invalid_argument' } });
    }
    // well-formed names of plugins that are not configured (prototype keys included) are simply unknown
    for (const name of ['ghost', 'constructor', 'hasownproperty']) {
      expect(await admin('EnablePlugin', { name }), name).toMatchObject({ status: 404, body: { code: 'not_found' } });
    }
    expect(await admin('ResetBreaker', {})).toMatchObject({ status: 400, body: { code: 'invalid_argument' } });
    expect(await admin('RemoveEverything', {})).toMatchObject({ status: 404, body: { code: 'bad_route' } });
    const get = await fetch(`${host.url}/twirp/${ADMIN_SERVICE}/ListPlugins`, { headers: bearer(ADMIN_KEY) });
    expect([get.status, ((await get.json()) as { code: string }).code]).toEqual([404, 'bad_route']);

    // every refusal left the plugin set alone
    expect(host.app.pluginHost.listPlugins().map((plugin) => [plugin.name, plugin.state])).toEqual([
      ['datetime', 'loaded'],
      ['forecast', 'loaded'],
    ]);
    expect((await chat('What time is it?')).tool_calls).toMatchObject([{ plugin: 'datetime', outcome: 'ok' }]);
  });

  it('disabling a plugin takes its tools out of what the model is offered; enabling brings them back', async () => {
    await chat('What time is it?');
    expect(lastOfferedTools()).toContain('datetime__get_current_time');

    const disabled = await admin('DisablePlugin', { name: 'datetime' });
    expect(disabled).toMatchObject({ status: 200, body: { plugin: { name: 'datetime', state: 'DISABLED' } } });
    const withoutTool = await chat('What time is it now?');
    expect(withoutTool.reply).toBe('echo: What time is it now?');
    expect(withoutTool.tool_calls ?? []).toEqual([]);
    expect(lastOfferedTools()).not.toContain('datetime__get_current_time');
    expect(lastOfferedTools()).toContain('forecast__get_forecast');
    expect(listedPlugin((await admin('ListPlugins')).body, 'datetime')).toMatchObject({ state: 'DISABLED' });

    // the override survives a reload of the (unchanged) file until it is switched back
    await admin('ReloadPlugins');
    await chat('What time is it, after the reload?');
    expect(lastOfferedTools()).not.toContain('datetime__get_current_time');

    const enabled = await admin('EnablePlugin', { name: 'datetime' });
    expect(enabled).toMatchObject({ status: 200, body: { plugin: { name: 'datetime', state: 'ACTIVE' } } });
    const withTool = await chat('What time is it again?');
    expect(lastOfferedTools()).toContain('datetime__get_current_time');
    expect(withTool.tool_calls).toMatchObject([{ name: 'datetime__get_current_time', outcome: 'ok' }]);
  });

  it('upgrades forecast 1.0.0 → 1.1.0 from a new tarball and rolls it back through ReloadPlugins, seen in chat provenance', async () => {
    const before = await chat('forecast for Quito');
    expect(before.tool_calls).toMatchObject([{ name: 'forecast__get_forecast', plugin: 'forecast', plugin_version: '1.0.0', outcome: 'ok' }]);
    expect(before.reply).toBe('The tool said: Sunny in Quito');

    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.1.0')]);
    const upgrade = await admin('ReloadPlugins');
    expect(upgrade).toMatchObject({ status: 200, body: { reloaded: ['forecast'], unchanged: ['datetime'] } });
    expect(Number(upgrade.body.generation)).toBe(host.app.pluginHost.generation);
    expect(listedPlugin((await admin('ListPlugins')).body, 'forecast')).toMatchObject({ version: '1.1.0', source: `tarball ${workspace.tarball('1.1.0')}` });
    const upgraded = await chat('forecast for Quito');
    expect(upgraded.tool_calls).toMatchObject([{ plugin: 'forecast', plugin_version: '1.1.0', outcome: 'ok' }]);
    expect(upgraded.reply).toBe('The tool said: Sunny in Quito, 21 °C');

    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.0.0')]);
    expect(await admin('ReloadPlugins')).toMatchObject({ status: 200, body: { reloaded: ['forecast'] } });
    const rolledBack = await chat('forecast for Quito');
    expect(rolledBack.tool_calls).toMatchObject([{ plugin: 'forecast', plugin_version: '1.0.0', outcome: 'ok' }]);

    // a refused reload names the problem to the operator and the serving set stays
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.1.0'), { name: 'throw-on-import', path: workspace.fixture('throw-on-import'), required: true }]);
    const refused = await admin('ReloadPlugins');
    expect(refused).toMatchObject({ status: 412, body: { code: 'failed_precondition', meta: { host_code: 'HOST_PLUGIN_REQUIRED_FAILED' } } });
    expect(String(refused.body.msg)).toContain('fixture: importing this plugin fails on purpose');
    expect(String(refused.body.msg)).not.toMatch(/\n\s+at /);
    expect((await chat('forecast for Quito')).tool_calls).toMatchObject([{ plugin_version: '1.0.0', outcome: 'ok' }]);
  });

  it('reloads by itself when plugins.config.json changes on disk (debounced watch) and keeps the old set when the new file is broken', async () => {
    const watch = host.app.watchPluginsConfig();
    try {
      const generation = host.app.pluginHost.generation;
      await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.1.0')]);
      await vi.waitFor(() => expect(host.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'forecast')?.version).toBe('1.1.0'), WAIT);
      expect(host.app.pluginHost.generation).toBeGreaterThan(generation);
      expect((await chat('forecast for Oslo')).tool_calls).toMatchObject([{ plugin_version: '1.1.0', outcome: 'ok' }]);

      const refusedBefore = reloadCount(await scrapeMetrics(host.url, ADMIN_KEY), 'file', 'refused');
      await workspace.writeRaw('{ "plugins": [ { "name": "forecast", ');
      await vi.waitFor(async () => expect(reloadCount(await scrapeMetrics(host.url, ADMIN_KEY), 'file', 'refused')).toBe(refusedBefore + 1), WAIT);
      expect(host.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'forecast')?.version).toBe('1.1.0');
      expect((await chat('forecast for Oslo')).tool_calls).toMatchObject([{ plugin_version: '1.1.0', outcome: 'ok' }]);
      expect(reloadCount(await scrapeMetrics(host.url, ADMIN_KEY), 'file', 'ok')).toBeGreaterThanOrEqual(1);
    } finally {
      watch.close();
    }
  });

  it('resets an open breaker: the plugin’s tools are withheld from the model while it is open and offered again after the reset', async () => {
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.2.0')]);
    await admin('ReloadPlugins');
    for (const city of ['Bogota', 'Cali']) {
      const failed = await chat(`forecast for ${city}`);
      expect(failed.tool_calls).toMatchObject([{ plugin: 'forecast', plugin_version: '1.2.0', outcome: 'unavailable' }]);
    }
    const listed = listedPlugin((await admin('ListPlugins')).body, 'forecast');
    expect(listed).toMatchObject({ version: '1.2.0', breaker_state: 'OPEN', call_count: '2', error_count: '2' });
    expect(String(listed?.last_error)).toContain('cannot reach its provider');
    expect(Number.isNaN(Date.parse(String(listed?.last_error_time)))).toBe(false);

    const whileOpen = await chat('forecast for Medellin');
    expect(whileOpen.tool_calls ?? []).toEqual([]);
    expect(lastOfferedTools()).not.toContain('forecast__get_forecast');
    expect(lastOfferedTools()).toContain('datetime__get_current_time');

    const reset = await admin('ResetBreaker', { name: 'forecast' });
    expect(reset).toMatchObject({ status: 200, body: { plugin: { name: 'forecast', breaker_state: 'CLOSED' } } });
    await chat('forecast for Medellin');
    expect(lastOfferedTools()).toContain('forecast__get_forecast');

    expect(await admin('ResetBreaker', { name: 'ghost' })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    await admin('DisablePlugin', { name: 'forecast' });
    expect(await admin('ResetBreaker', { name: 'forecast' })).toMatchObject({ status: 412, body: { code: 'failed_precondition' } });
  });

  it('keeps readiness and metrics right across reloads: one registration per metric, promtool-clean', async () => {
    for (let index = 0; index < 3; index += 1) expect((await admin('ReloadPlugins')).status).toBe(200);
    await chat('What time is it?');
    const ready = await fetch(`${host.url}/readyz`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { status: string; checks: Array<{ name: string; state: string; message?: string }> };
    expect(report.status).toBe('ready');
    expect(report.checks.find((check) => check.name === 'plugins')).toMatchObject({
      state: 'ok',
      message: `2 plugin(s) loaded (generation ${host.app.pluginHost.generation})`,
    });

    const text = await scrapeMetrics(host.url, ADMIN_KEY);
    expect(reloadCount(text, 'admin', 'ok')).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/acai_tool_calls_total\{plugin="datetime",tool="get_current_time",outcome="ok"\} \d+/);
    for (const name of ['acai_tool_calls_total', 'acai_plugin_reloads_total', 'acai_plugin_breaker_state', 'acai_plugin_worker_crashes_total']) {
      expect(text.split('\n').filter((line) => line === `# TYPE ${name} ${name === 'acai_plugin_breaker_state' ? 'gauge' : 'counter'}`), name).toHaveLength(1);
    }
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text });
    expect(check.stderr.toString() + check.stdout.toString()).toBe('');
    expect(check.status).toBe(0);
  });
});

function reloadCount(metrics: string, trigger: string, outcome: string): number {
  const match = new RegExp(`^acai_plugin_reloads_total\\{trigger="${trigger}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics);
  return match === null ? 0 : Number(match[1]);
}
