// Hot reload on the REAL host under chat load, and the optional automatic rollback. The chat API is
// called over HTTP by concurrent clients while the plugin set is reloaded through every in-process
// trigger (admin API, file watch, the reload the SIGHUP handler runs) and a neighbour plugin is switched
// off and on: no request may fail and every tool call must succeed. Nothing asserts on durations.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { TEST_TIMEOUT_MS, WAIT } from '../support/timing.js';
import { bearer, fakeModelEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost, sharedServicesEnv } from './host-support.js';
import { adminJson, createPluginsWorkspace, DATETIME_ENTRY, listedPlugin, type PluginsWorkspace } from './plugins-workspace.js';

const CHAT_KEY = 'acai_e2e_reload_suite_chat_key_0123456789';
const ADMIN_KEY = 'acai_e2e_reload_suite_ops_key_01234567890';
const HOLIDAYS_ENTRY = { name: 'holidays', package: '@acai/plugin-holidays', version: '^1.0.0' } as const;

function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Reload Suite' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content).slice(0, 200)}` };
  const text = typeof last?.content === 'string' ? last.content : '';
  const offered = new Set(body.tools?.map((tool) => tool.function.name) ?? []);
  const city = /forecast for (\w+)/.exec(text)?.[1];
  if (city !== undefined && offered.has('forecast__get_forecast')) return { type: 'tool_calls', calls: [{ name: 'forecast__get_forecast', arguments: { city } }] };
  if (/\btime\b/.test(text) && offered.has('datetime__get_current_time')) {
    return { type: 'tool_calls', calls: [{ name: 'datetime__get_current_time', arguments: { time_zone: 'Asia/Tokyo' } }] };
  }
  return { type: 'text', content: `echo: ${text}` };
}

async function startHost(workspace: PluginsWorkspace, fake: FakeOpenAIServer, extraEnv: Record<string, string> = {}): Promise<RunningTestHost> {
  return startTestHost({
    ...fakeModelEnv(fake),
    PLUGINS_CONFIG: workspace.configPath,
    ...sharedServicesEnv('e2e_reload'),
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-r:chat,${ADMIN_KEY}:ops:admin+metrics`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
    PLUGINS_WATCH_DEBOUNCE_MS: '50',
    ...extraEnv,
  });
}

interface TurnRecord {
  readonly status: number;
  readonly body: Record<string, any>;
}

describe('hot reload of the plugin set under chat load', () => {
  let fake: FakeOpenAIServer;
  let workspace: PluginsWorkspace;
  let host: RunningTestHost;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.respondWith(scriptedModel);
    workspace = await createPluginsWorkspace([]);
    await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY, { name: 'forecast', tarball: './forecast-1.0.0.tgz', mode: 'worker', required: true }]);
    host = await startHost(workspace, fake);
  });

  afterAll(async () => {
    await host?.close();
    await fake?.close();
    await workspace?.close();
  });

  // Eight reloads (each starts the forecast worker anew) under four chat clients: the heaviest test of the
  // suite, two minutes on a loaded 2-core machine, so it gets twice the usual budget.
  it('fails no chat request and no tool call while the set is reloaded by every trigger and a neighbour is switched off and on', { timeout: 2 * TEST_TIMEOUT_MS }, async () => {
    const turns: TurnRecord[] = [];
    let isLoading = true;
    const clients = Array.from({ length: 4 }, async (_, client) => {
      let conversationId: string | undefined;
      for (let turn = 0; isLoading; turn += 1) {
        const message = (client + turn) % 2 === 0 ? `forecast for City${client}x${turn}` : `What time is it? (${client}/${turn})`;
        const response =
          conversationId === undefined
            ? await twirpJson(host.url, 'StartConversation', { message }, bearer(CHAT_KEY))
            : await twirpJson(host.url, 'ContinueConversation', { conversation_id: conversationId, message }, bearer(CHAT_KEY));
        turns.push({ status: response.status, body: response.body });
        // a fresh conversation now and then, so Start and Continue both run during reloads
        conversationId = turn % 5 === 4 ? undefined : (response.body.conversation_id as string | undefined) ?? conversationId;
      }
    });
    /** Lets a batch of turns land on the generation that is serving now. */
    const letTurnsLand = async () => {
      const seen = turns.length;
      await vi.waitFor(() => expect(turns.length).toBeGreaterThan(seen + 12), WAIT);
    };
    const forecast = (release: '1.0.0' | '1.1.0') => workspace.forecast(release, { required: true });

    try {
      await letTurnsLand();
      for (const release of ['1.1.0', '1.0.0', '1.1.0'] as const) {
        await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY, forecast(release)]);
        expect((await adminJson(host.url, 'ReloadPlugins', {}, bearer(ADMIN_KEY))).status).toBe(200);
        await letTurnsLand();
      }
      // what the SIGHUP handler runs
      await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY, forecast('1.0.0')]);
      await host.app.reloadPlugins('signal');
      await letTurnsLand();
      // the file watch
      const watch = host.app.watchPluginsConfig();
      try {
        await workspace.writeConfig([DATETIME_ENTRY, HOLIDAYS_ENTRY, forecast('1.1.0')]);
        await vi.waitFor(() => expect(host.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'forecast')?.version).toBe('1.1.0'), WAIT);
        await letTurnsLand();
      } finally {
        watch.close();
      }
      // a refused reload in the middle of the load changes nothing
      await workspace.writeRaw('{ "plugins": "not a list" }');
      expect((await adminJson(host.url, 'ReloadPlugins', {}, bearer(ADMIN_KEY))).status).toBe(412);
      await letTurnsLand();
      // a neighbour the chat does not use is switched off and on (both are reloads of the current set)
      expect((await adminJson(host.url, 'DisablePlugin', { name: 'holidays' }, bearer(ADMIN_KEY))).status).toBe(200);
      await letTurnsLand();
      expect((await adminJson(host.url, 'EnablePlugin', { name: 'holidays' }, bearer(ADMIN_KEY))).status).toBe(200);
      await letTurnsLand();
    } finally {
      isLoading = false;
      await Promise.all(clients);
    }
    await host.app.pluginHost.whenRetired();

    const failedRequests = turns.filter((turn) => turn.status !== 200);
    expect(failedRequests).toEqual([]);
    const toolCalls = turns.flatMap((turn) => (turn.body.tool_calls ?? []) as Array<{ name: string; outcome: string; plugin_version?: string }>);
    expect(toolCalls.filter((call) => call.outcome !== 'ok')).toEqual([]);
    expect(toolCalls.length).toBe(turns.length);
    const forecastVersions = new Set(toolCalls.filter((call) => call.name === 'forecast__get_forecast').map((call) => call.plugin_version));
    expect(forecastVersions).toEqual(new Set(['1.0.0', '1.1.0']));
    // initial set + 3 admin + 1 signal + 1 file + disable + enable
    expect(host.app.pluginHost.generation).toBe(1 + 3 + 1 + 1 + 2);
    const listed = (await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY))).body;
    expect(listedPlugin(listed, 'forecast')).toMatchObject({ version: '1.1.0', state: 'ACTIVE' });
    expect(listedPlugin(listed, 'holidays')).toMatchObject({ state: 'ACTIVE' });
  });
});

describe('automatic rollback after an upgrade trips its breaker', () => {
  let fake: FakeOpenAIServer;
  let workspace: PluginsWorkspace;
  let host: RunningTestHost;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.respondWith(scriptedModel);
    workspace = await createPluginsWorkspace([]);
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.1.0')]);
    host = await startHost(workspace, fake, { PLUGINS_AUTO_ROLLBACK_WINDOW_MS: '600000' });
  });

  afterAll(async () => {
    await host?.close();
    await fake?.close();
    await workspace?.close();
  });

  it('restores the previous release, logs and counts the rollback, and the chat gets the working version again', async () => {
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.2.0')]);
    expect(await adminJson(host.url, 'ReloadPlugins', {}, bearer(ADMIN_KEY))).toMatchObject({ status: 200, body: { reloaded: ['forecast'] } });
    const upgradedGeneration = host.app.pluginHost.generation;
    for (const city of ['Lisbon', 'Porto']) {
      const turn = await twirpJson(host.url, 'StartConversation', { message: `forecast for ${city}` }, bearer(CHAT_KEY));
      expect(turn.status).toBe(200);
      expect(turn.body.tool_calls).toMatchObject([{ plugin_version: '1.2.0', outcome: 'unavailable' }]);
    }
    // the breaker (threshold 2) is open now; the watcher rolls back to the set from before the upgrade
    await vi.waitFor(() => expect(host.app.pluginHost.listPlugins().find((plugin) => plugin.name === 'forecast')?.version).toBe('1.1.0'), WAIT);
    expect(host.app.pluginHost.generation).toBe(upgradedGeneration + 1);
    expect(host.app.pluginHost.rollbackCount).toBe(1);

    const turn = await twirpJson(host.url, 'StartConversation', { message: 'forecast for Faro' }, bearer(CHAT_KEY));
    expect(turn.body.tool_calls).toMatchObject([{ plugin_version: '1.1.0', outcome: 'ok' }]);
    expect(listedPlugin((await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY))).body, 'forecast')).toMatchObject({ version: '1.1.0', breaker_state: 'CLOSED' });

    const metrics = await (await fetch(`${host.url}/metrics`, { headers: bearer(ADMIN_KEY) })).text();
    expect(metrics).toMatch(/^acai_plugin_rollbacks_total\{plugin="forecast"\} 1$/m);
    expect(metrics).toMatch(/^acai_plugin_reloads_total\{trigger="rollback",outcome="ok"\} 1$/m);
  });
});
