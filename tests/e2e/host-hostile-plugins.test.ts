// Hostile worker-mode plugins configured next to the shipped datetime plugin on the REAL host (buildApp,
// Redis, embedded store, fake OpenAI through the real client). For every misbehaviour the model calls
// the hostile tool and datetime in one turn while other chat turns keep asking datetime: every chat
// request succeeds, datetime answers, the hostile call ends as a readable tool failure, and a worker
// that had to be killed is restarted and serves again. No assertion is about durations.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { requireRedisUrl, uniqueName } from '../support/env.js';
import { CALL_DEADLINE_MS, START_UP_DEADLINE_MS, WAIT } from '../support/timing.js';
import { bearer, CHAT_MODEL, fakeModelEnv, startTestHost, toolCallingModel, twirpJson, type RunningTestHost } from './host-support.js';
import { adminJson, createPluginsWorkspace, DATETIME_ENTRY, listedPlugin, type PluginsWorkspace } from './plugins-workspace.js';

const CHAT_KEY = 'acai_e2e_hostile_suite_chat_key_012345678';
const ADMIN_KEY = 'acai_e2e_hostile_suite_ops_key_0123456789';
const TIME_TOOL = 'datetime__get_current_time';

/** Hostile fixtures (tests/fixtures/hostile-plugins) loaded in worker mode. */
const HOSTILE_PLUGINS = ['busy-loop', 'memory-bomb', 'never-resolves', 'ignores-abort', 'huge-result', 'mutates-shared', 'unhandled-rejection'];
/** The ones whose hostile call runs into the short soft timeout on purpose; the others answer by themselves. */
const TIMED_OUT_PLUGINS = new Set(['busy-loop', 'memory-bomb', 'never-resolves', 'ignores-abort']);
/** Fixtures that fail while loading; the host starts without them. */
const BROKEN_PLUGINS = { 'throw-on-import': 'fixture: importing this plugin fails on purpose', 'throw-in-setup': 'fixture: setup fails on purpose' };
/** The code ListPlugins gives each broken plugin's last_error. */
const BROKEN_CODES = { 'throw-on-import': 'HOST_PLUGIN_IMPORT_FAILED', 'throw-in-setup': 'HOST_PLUGIN_SETUP_FAILED' };

interface HostileCase {
  readonly plugin: string;
  readonly tool: string;
  readonly args?: Record<string, unknown>;
  /** What the call path may report for the hostile call (a crash surfaces as `error`, a timeout as `timeout`). */
  readonly outcomes: readonly string[];
  /** The worker must be terminated and restarted afterwards. */
  readonly isRecycled: boolean;
}

const CASES: readonly HostileCase[] = [
  { plugin: 'busy-loop', tool: 'spin_forever', outcomes: ['timeout'], isRecycled: true },
  { plugin: 'memory-bomb', tool: 'allocate_forever', outcomes: ['error', 'timeout'], isRecycled: true },
  { plugin: 'never-resolves', tool: 'hang_forever', outcomes: ['timeout'], isRecycled: true },
  { plugin: 'ignores-abort', tool: 'keep_working', outcomes: ['timeout'], isRecycled: true },
  { plugin: 'huge-result', tool: 'dump_text', outcomes: ['error'], isRecycled: false },
  { plugin: 'huge-result', tool: 'dump_data', outcomes: ['error'], isRecycled: false },
  { plugin: 'mutates-shared', tool: 'mutate_everything', args: { items: ['from-host'] }, outcomes: ['ok'], isRecycled: false },
  { plugin: 'unhandled-rejection', tool: 'leak_rejection', outcomes: ['ok'], isRecycled: false },
];

/** Requests to call `<plugin>__<tool>` look like "call busy-loop__spin_forever {json} and tell the time". */
const scriptedModel = toolCallingModel('Hostile Suite');

let fake: FakeOpenAIServer;
let workspace: PluginsWorkspace;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  workspace = await createPluginsWorkspace([], {});
  await workspace.writeConfig(
    [
      { ...DATETIME_ENTRY, policy: { timeoutMs: 10_000 } },
      ...HOSTILE_PLUGINS.map((name) => ({
        name,
        path: workspace.fixture(name),
        mode: 'worker',
        // An oversized result or a mutation is slow work on a busy machine, not a hang: it gets the call budget.
        ...(TIMED_OUT_PLUGINS.has(name) ? {} : { policy: { timeoutMs: CALL_DEADLINE_MS } }),
      })),
      ...Object.keys(BROKEN_PLUGINS).map((name) => ({ name, path: workspace.fixture(name), mode: 'worker' })),
    ],
    // A short soft timeout for the tools that hang; a breaker that never opens, so every case can call again.
    { timeoutMs: 1_000, setupTimeoutMs: START_UP_DEADLINE_MS, breaker: { failureThreshold: 1_000, halfOpenAfterMs: 600_000 } },
  );
  host = await startTestHost({
    ...fakeModelEnv(fake),
    PLUGINS_CONFIG: workspace.configPath,
    REDIS_URL: requireRedisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('e2e_hostile')}:`,
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-h:chat,${ADMIN_KEY}:ops:admin`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
    // the call timeout (1 s) + margin raises it to 2 s per plugin; the heap limit keeps the bomb small
    PLUGIN_WORKER_HARD_DEADLINE_MS: '1500',
    PLUGIN_WORKER_MAX_HEAP_MB: '96',
  });
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await workspace?.close();
});

async function chat(message: string) {
  const response = await twirpJson(host.url, 'StartConversation', { message }, bearer(CHAT_KEY));
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { reply: string; tool_calls?: Array<{ name: string; plugin?: string; outcome: string }> };
}

function expectTimeAnswered(turn: Awaited<ReturnType<typeof chat>>): void {
  expect(turn.tool_calls?.find((call) => call.name === TIME_TOOL)).toMatchObject({ plugin: 'datetime', outcome: 'ok' });
}

describe('hostile worker-mode plugins next to datetime on the real host', () => {
  it('starts without the plugins that throw during import and setup, reports them, and never offers their tools', async () => {
    const listed = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
    expect(listed.status).toBe(200);
    for (const [name, message] of Object.entries(BROKEN_PLUGINS)) {
      const plugin = listedPlugin(listed.body, name);
      expect(plugin).toMatchObject({ name, mode: 'worker', state: 'FAILED', last_error_code: BROKEN_CODES[name as keyof typeof BROKEN_CODES] });
      expect(String(plugin?.last_error)).toContain(message);
      expect(String(plugin?.last_error)).not.toMatch(/\n\s+at /);
    }
    for (const name of ['datetime', ...HOSTILE_PLUGINS]) expect(listedPlugin(listed.body, name), name).toMatchObject({ state: 'ACTIVE' });
    expectTimeAnswered(await chat('What time is it?'));
    const offered = fake.completionBodies(CHAT_MODEL).at(-1)?.tools?.map((tool) => tool.function.name) ?? [];
    expect(offered).toContain(TIME_TOOL);
    expect(offered.some((name) => name.startsWith('throw-'))).toBe(false);

    const ready = await fetch(`${host.url}/readyz`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { status: string; checks: Array<{ name: string; state: string; message?: string }> };
    expect(report.status).toBe('degraded');
    expect(report.checks.find((check) => check.name === 'plugins')?.message).toContain('failed: throw-on-import, throw-in-setup');
  });

  it.each(CASES)('keeps chat and datetime serving while $plugin misbehaves ($tool)', async (hostileCase) => {
    const exposed = `${hostileCase.plugin}__${hostileCase.tool}`;
    const restartsBefore = host.app.workerEvents.get(hostileCase.plugin).restarts;
    let isHostileSettled = false;
    const hostileTurn = chat(`call ${exposed} ${JSON.stringify(hostileCase.args ?? {})} and tell the time`).finally(() => {
      isHostileSettled = true;
    });

    // Neighbouring chat turns, one after another, for as long as the hostile turn runs.
    let servedDuringHostile = 0;
    do {
      expectTimeAnswered(await chat('What time is it?'));
      if (!isHostileSettled) servedDuringHostile += 1;
    } while (!isHostileSettled);

    const turn = await hostileTurn;
    expectTimeAnswered(turn);
    const hostileCall = turn.tool_calls?.find((call) => call.name === exposed);
    expect(hostileCall?.plugin).toBe(hostileCase.plugin);
    expect(hostileCase.outcomes).toContain(hostileCall?.outcome);
    // a timed-out call lasts at least its 1 s soft timeout: the loop above ran while the plugin misbehaved
    if (hostileCall?.outcome === 'timeout') expect(servedDuringHostile).toBeGreaterThan(0);

    if (hostileCase.isRecycled) {
      await vi.waitFor(() => expect(host.app.workerEvents.get(hostileCase.plugin).restarts).toBeGreaterThan(restartsBefore), WAIT);
      const restarted = listedPlugin((await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY))).body, hostileCase.plugin);
      expect(Number(restarted?.restart_count)).toBeGreaterThan(restartsBefore);
      expect(String(restarted?.last_error)).toMatch(/hard-deadline|out-of-memory/);
      expect(restarted?.last_error_code).toBe('HOST_PLUGIN_CRASHED');
      // A call that was killed names the call deadline (import and setup name the start-up one).
      if (hostileCase.outcomes.includes('timeout') && !hostileCase.outcomes.includes('error')) expect(String(restarted?.last_error)).toMatch(/a call ran past the \d+ ms call hard deadline/);
    } else {
      expect(host.app.workerEvents.get(hostileCase.plugin).crashes).toBe(0);
    }
    // the plugin's worker serves again
    const recovered = await chat(`call ${hostileCase.plugin}__do_nothing {} and tell the time`);
    expect(recovered.tool_calls?.find((call) => call.name === `${hostileCase.plugin}__do_nothing`)).toMatchObject({ outcome: 'ok' });
    expectTimeAnswered(recovered);
  });

  it('keeps the plugin’s prototype, global and argument mutations out of the host', async () => {
    await chat('call mutates-shared__mutate_everything {"items":["a"]} and tell the time');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect([1].map((value) => value + 1)).toEqual([2]);
    expect(JSON.parse('{"a":1}')).toEqual({ a: 1 });
    expect(host.app.workerEvents.get('unhandled-rejection').unhandledRejections).toBeGreaterThanOrEqual(1);
  });
});
