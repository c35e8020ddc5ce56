// The host as a real process (core/dist/main.js → startHost, exactly what `npm start` runs): SIGHUP and
// the plugins.config.json watch reload the plugin set, the outcome is logged, a broken file leaves the
// old set serving, and SIGTERM still shuts down cleanly with the triggers removed. The test reads the
// host's JSON log lines and calls its admin and chat APIs over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { childProcessEnv, requireRedisUrl, uniqueName } from '../support/env.js';
import { scaledMs, WAIT } from '../support/timing.js';
import { killOnExit } from '../support/child-processes.js';
import { bearer, BUILT_MAIN, fakeModelEnv, TITLE_MODEL, twirpJson } from './host-support.js';
import { adminJson, createPluginsWorkspace, DATETIME_ENTRY, listedPlugin, type PluginsWorkspace } from './plugins-workspace.js';

const CHAT_KEY = 'acai_e2e_process_suite_chat_key_012345678';
const ADMIN_KEY = 'acai_e2e_process_suite_ops_key_0123456789';
const HOLIDAYS_ENTRY = { name: 'holidays', package: '@acai/plugin-holidays', version: '^1.0.0' } as const;

type LogLine = Record<string, unknown>;

interface HostProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  readonly url: string;
  waitForLine(predicate: (line: LogLine) => boolean, after?: number): Promise<LogLine>;
  readonly exited: Promise<number | null>;
}

function scriptedModel(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Process Suite' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content).slice(0, 200)}` };
  const city = /forecast for (\w+)/.exec(typeof last?.content === 'string' ? last.content : '')?.[1];
  if (city !== undefined && body.tools?.some((tool) => tool.function.name === 'forecast__get_forecast')) {
    return { type: 'tool_calls', calls: [{ name: 'forecast__get_forecast', arguments: { city } }] };
  }
  return { type: 'text', content: 'no tool' };
}

let fake: FakeOpenAIServer;
let workspace: PluginsWorkspace;
let running: HostProcess | undefined;
let dataDir: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  workspace = await createPluginsWorkspace([]);
  dataDir = await mkdtemp(join(tmpdir(), 'acai-e2e-process-'));
});

afterEach(async () => {
  if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  running = undefined;
});

afterAll(async () => {
  await fake?.close();
  await workspace?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function startHostProcess(extraEnv: Record<string, string>): Promise<HostProcess> {
  const env = childProcessEnv({
    ...fakeModelEnv(fake),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PLUGINS_CONFIG: workspace.configPath,
    ACAI_DATA_DIR: join(dataDir, uniqueName('host')),
    REDIS_URL: requireRedisUrl(),
    REDIS_KEY_PREFIX: `${uniqueName('e2e_process')}:`,
    ACAI_API_KEYS: `${CHAT_KEY}:tenant-p:chat,${ADMIN_KEY}:ops:admin`,
    ...extraEnv,
  });
  // The built host in its own node process, as `npm start` runs it (no tsx CLI in between to pass SIGHUP on).
  const child = killOnExit(spawn(process.execPath, [BUILT_MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
  const lines: LogLine[] = [];
  const waiters: Array<{ predicate: (line: LogLine) => boolean; after: number; resolve: (line: LogLine) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (lines.length > waiter.after && waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitForLine = (predicate: (line: LogLine) => boolean, after = 0): Promise<LogLine> => {
    const seen = lines.slice(after).find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ predicate, after, resolve });
      void exited.then((code) => reject(new Error(`the host exited (code ${code}) before the expected log line`)));
    });
  };
  const listening = await waitForLine((line) => line.msg === 'acai host listening');
  running = { child, lines, url: String(listening.url), waitForLine, exited };
  return running;
}

async function forecastVersion(host: HostProcess): Promise<string | undefined> {
  const listed = await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY));
  expect(listed.status).toBe(200);
  return listedPlugin(listed.body, 'forecast')?.version as string | undefined;
}

async function forecastTurn(host: HostProcess) {
  const turn = await twirpJson(host.url, 'StartConversation', { message: 'forecast for Lima' }, bearer(CHAT_KEY));
  expect(turn.status).toBe(200);
  return (turn.body.tool_calls as Array<{ plugin_version: string; outcome: string }>)[0];
}

async function stopWithSigterm(host: HostProcess): Promise<void> {
  host.child.kill('SIGTERM');
  expect(await host.exited).toBe(0);
  expect(host.lines.find((line) => line.msg === 'shutdown complete')).toMatchObject({ exit_code: 0 });
  expect(host.lines.some((line) => line.msg === 'dispose failed')).toBe(false);
}

describe('plugin reloads of a host process', () => {
  it('reloads on SIGHUP, logs the outcome, keeps the old set when the file is broken, and still shuts down cleanly', async () => {
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.0.0')]);
    const host = await startHostProcess({ PLUGINS_WATCH: 'false' });
    expect(host.lines.some((line) => line.msg === 'watching plugins.config.json for changes')).toBe(false);
    expect(await forecastVersion(host)).toBe('1.0.0');
    expect(await forecastTurn(host)).toMatchObject({ plugin_version: '1.0.0', outcome: 'ok' });

    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.1.0')]);
    let mark = host.lines.length;
    host.child.kill('SIGHUP');
    await host.waitForLine((line) => line.msg === 'SIGHUP received: reloading plugins.config.json', mark);
    const reloaded = await host.waitForLine((line) => line.msg === 'plugin set reloaded', mark);
    expect(reloaded).toMatchObject({ trigger: 'signal', generation: 2, reloaded: ['forecast'], unchanged: ['datetime'] });
    expect(await forecastVersion(host)).toBe('1.1.0');
    expect(await forecastTurn(host)).toMatchObject({ plugin_version: '1.1.0', outcome: 'ok' });

    await workspace.writeRaw('{"plugins": [ {"name": "forecast", "tarball": 7 } ]}');
    mark = host.lines.length;
    host.child.kill('SIGHUP');
    const refused = await host.waitForLine((line) => line.msg === 'plugin reload refused; the previous plugin set keeps serving', mark);
    expect(refused).toMatchObject({ level: 'error', trigger: 'signal', generation: 2 });
    expect(JSON.stringify(refused)).toContain('tarball');
    expect(await forecastVersion(host)).toBe('1.1.0');
    expect(await forecastTurn(host)).toMatchObject({ plugin_version: '1.1.0', outcome: 'ok' });

    await stopWithSigterm(host);
  }, scaledMs(90_000));

  it('reloads when plugins.config.json changes on disk (debounced), one burst of writes ending on the last content', async () => {
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.0.0')]);
    const host = await startHostProcess({ PLUGINS_WATCH: 'true', PLUGINS_WATCH_DEBOUNCE_MS: '100' });
    await host.waitForLine((line) => line.msg === 'watching plugins.config.json for changes');
    expect(await forecastVersion(host)).toBe('1.0.0');

    let mark = host.lines.length;
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.1.0')]);
    expect(await host.waitForLine((line) => line.msg === 'plugin set reloaded', mark)).toMatchObject({ trigger: 'file', reloaded: ['forecast'] });
    expect(await forecastVersion(host)).toBe('1.1.0');
    expect(await forecastTurn(host)).toMatchObject({ plugin_version: '1.1.0', outcome: 'ok' });

    // A burst of writes; only the last one adds holidays, so seeing it loaded means the final file was read
    // (reloads run one at a time and read the file when they start, so none can come after with older content).
    mark = host.lines.length;
    for (const release of ['1.0.0', '1.1.0', '1.0.0', '1.1.0'] as const) await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast(release)]);
    await workspace.writeConfig([DATETIME_ENTRY, workspace.forecast('1.0.0'), HOLIDAYS_ENTRY]);
    await vi.waitFor(
      async () => {
        const listed = (await adminJson(host.url, 'ListPlugins', {}, bearer(ADMIN_KEY))).body;
        expect(listedPlugin(listed, 'holidays')).toMatchObject({ state: 'ACTIVE' });
        expect(listedPlugin(listed, 'forecast')).toMatchObject({ version: '1.0.0' });
      },
      WAIT,
    );
    const reloads = host.lines.slice(mark).filter((line) => line.msg === 'plugin set reloaded');
    expect(reloads.length).toBeGreaterThan(0);
    expect(reloads.every((line) => line.trigger === 'file')).toBe(true);
    expect(await forecastTurn(host)).toMatchObject({ plugin_version: '1.0.0', outcome: 'ok' });

    await stopWithSigterm(host);
  }, scaledMs(90_000));
});
