// The host's stdout is its JSON log stream. A plugin that writes there every way it can — fs.writeSync(1)
// and fs.writeSync(2), process.stdout/stderr.write, console.log/error, at import and in a call — must
// never put a line on it that is not one of the host's own log lines: whatever reaches stdout arrives
// framed (the plugin's text inside a host log line's `msg`). The host runs as operators run it
// (core/src/main.ts in its own process), with stdout a named pipe (a container runtime, a shell pipeline:
// the host opens it anew through /proc) and a socket (systemd's journal, a Node parent: the host
// duplicates it through a child's IPC channel), in each worker isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureWorkspace, type FixtureWorkspace } from '../support/fixture-workspace.js';
import { startHostProcess, type HostProcess } from './edge-support.js';
import { connectHttpClient } from './mcp-server-support.js';

const TOOLS_KEY = 'acai_e2e_stdout_isolation_key_0123456789';
const FORGED = 'forged by prints-everywhere';

/** Every stdout line as JSON; a line that is not JSON fails the test with the line. */
function parsedStdout(host: HostProcess): Array<Record<string, unknown>> {
  return host.stdoutLines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`a stdout line that is not a log line: ${line}`);
    }
  });
}

/** The host's own log lines carry `service: "acai"`; a forged line at the top level is one that got through unframed. */
function expectOnlyHostLines(host: HostProcess): void {
  for (const line of parsedStdout(host)) {
    expect(line, JSON.stringify(line)).toMatchObject({ service: 'acai', level: expect.any(String) });
    expect(String(line['msg'])).not.toMatch(/^forged by/);
  }
}

/** Waits until a `${when} via ${how}` line shows up framed on stdout with `fields`; returns that host log line. */
async function framed(host: HostProcess, when: string, how: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  const text = `${FORGED} ${when} via ${how}`;
  for (;;) {
    const found = parsedStdout(host).find((line) => String(line['msg']).includes(text) && Object.entries(fields).every(([key, value]) => line[key] === value));
    if (found !== undefined) return found;
    if (host.child.exitCode !== null) throw new Error(`the host exited before "${text}" was logged`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Each way the fixture prints, the stream it arrives on from a worker, and the level it is logged at. */
const PRINTS = [
  ['fd1', 'stdout', 'info'],
  ['stdout.write', 'stdout', 'info'],
  ['console.log', 'stdout', 'info'],
  ['fd2', 'stderr', 'warn'],
  ['stderr.write', 'stderr', 'warn'],
  ['console.error', 'stderr', 'warn'],
] as const;

const IN_THREADS = [{ name: 'prints-inline', mode: 'inline' }, { name: 'prints-thread', mode: 'worker' }] as const;

describe.each([
  { isolation: 'thread', stdout: 'fifo', plugins: IN_THREADS },
  { isolation: 'thread', stdout: 'socket', plugins: IN_THREADS },
  { isolation: 'process', stdout: 'socket', plugins: [{ name: 'prints-process', mode: 'worker' }] },
] as const)('a plugin printing everywhere, $isolation isolation, stdout a $stdout', ({ isolation, stdout, plugins }) => {
  let workspace: FixtureWorkspace;
  let host: HostProcess;

  beforeAll(async () => {
    workspace = await createFixtureWorkspace();
    for (const plugin of plugins) await workspace.writeVariant('prints-everywhere', plugin.name);
    await workspace.writeConfig(plugins.map((plugin) => ({ name: plugin.name, path: `./${plugin.name}`, mode: plugin.mode, sandbox: 'none' })));
    host = await startHostProcess({
      PLUGINS_CONFIG: workspace.configPath,
      ACAI_DATA_DIR: `${workspace.dir}/data`,
      ACAI_API_KEYS: `${TOOLS_KEY}:tenant-s:tools`,
      PLUGIN_WORKER_ISOLATION: isolation,
      LOG_LEVEL: 'info',
    }, { stdout });
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await workspace?.close();
  });

  it('frames what reaches stdout, at import and in a call, and keeps every stdout line a host log line', async () => {
    const client = await connectHttpClient(host.url, TOOLS_KEY);
    try {
      for (const plugin of plugins) {
        const result = await client.client.callTool({ name: `${plugin.name}__print_everywhere`, arguments: {} });
        expect(result.content).toEqual([{ type: 'text', text: 'printed' }]);
      }
    } finally {
      await client.close();
    }
    for (const when of ['at import', 'in a call']) {
      if (isolation === 'process') {
        // A process worker's descriptors 1 and 2 are pipes to the host: everything it prints, whichever way,
        // becomes the plugin's log lines — stdout at info, stderr at warn (what an author prints when debugging).
        for (const plugin of plugins) {
          for (const [how, stream, level] of PRINTS) {
            expect(await framed(host, when, how, { plugin: plugin.name })).toMatchObject({ level, stream });
          }
        }
        continue;
      }
      // fs.writeSync(1) from a thread goes around every stream: descriptor 1 is a pipe the host reads.
      expect(await framed(host, when, 'fd1', { component: 'stdout' })).toMatchObject({ level: 'warn', stream: 'stdout' });
      for (const plugin of plugins) {
        if (plugin.mode === 'worker') {
          // A worker thread's own streams come to the host, attributed to the plugin.
          // (fs.writeSync from a thread goes around its streams: see fd1 above.)
          for (const [how, stream, level] of PRINTS.filter(([how]) => !how.startsWith('fd'))) {
            expect(await framed(host, when, how, { plugin: plugin.name })).toMatchObject({ level, stream });
          }
        }
        if (plugin.mode === 'inline') {
          // An inline plugin's process.stdout is the host's: it lands on descriptor 1 and is framed there.
          expect(await framed(host, when, 'console.log', { component: 'stdout' })).toMatchObject({ level: 'warn' });
        }
      }
    }
    expectOnlyHostLines(host);
    expect(parsedStdout(host).some((line) => line['msg'] !== undefined && String(line['msg']).startsWith('stdout stays the log stream'))).toBe(false);
    // fs.writeSync(2) cannot be framed in a thread; it reaches the host's stderr, never its log stream.
    expect(host.stdoutLines.some((line) => line.startsWith(`{"level":30,"msg":"${FORGED}`))).toBe(false);
  });
});
