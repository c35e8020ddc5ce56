// `acai mcp`: the built binary in a child process serving the plugins over stdio, driven by the official
// SDK client (StdioClientTransport) and by raw JSON-RPC lines where the test must see every byte of stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killOnExit } from '../support/child-processes.js';
import { forSuite } from '../support/plugin-grants.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';
import { ACAI_BIN, childPath, REPO_ROOT, runAcaiBinary, temporaryFolder } from './cli-support.js';
import { REPO_PLUGINS_CONFIG } from './host-support.js';
import { resultText, TESTBED_PLUGIN } from './mcp-server-support.js';

const NOISY_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/noisy-stdout', import.meta.url));

let folder: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  folder = await temporaryFolder('acai-cli-mcp-');
});

afterAll(async () => {
  await folder?.remove();
});

function environment(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: childPath(), PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: join(folder.path, 'data'), ...extra };
}

/** `acai mcp` spoken to line by line: every stdout line is kept, so the test can check each one is JSON-RPC. */
interface RawServer {
  readonly child: ChildProcess;
  readonly stdoutLines: string[];
  stderr(): string;
  send(message: unknown): void;
  /** The response with this id, waiting for it if needed. */
  response(id: number): Promise<Record<string, any>>;
  readonly exited: Promise<number | null>;
}

function startRaw(args: readonly string[], env: Record<string, string>): RawServer {
  const child = killOnExit(spawn(process.execPath, [ACAI_BIN, 'mcp', ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  const stdoutLines: string[] = [];
  const waiters = new Map<number, (message: Record<string, any>) => void>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdoutLines.push(line);
    try {
      const message = JSON.parse(line) as Record<string, any>;
      if (typeof message.id === 'number') waiters.get(message.id)?.(message);
    } catch {
      // kept in stdoutLines; the tests assert every line parses
    }
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stdoutLines,
    stderr: () => stderr,
    send: (message) => child.stdin!.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`),
    response(id) {
      const seen = stdoutLines.map((line) => JSON.parse(line) as Record<string, any>).find((message) => message.id === id);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.set(id, resolve));
    },
    exited,
  };
}

async function initialize(server: RawServer): Promise<void> {
  server.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  expect((await server.response(1)).result.serverInfo).toMatchObject({ name: 'acai' });
  server.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
}

describe('acai mcp', () => {
  it('serves the enabled tools to the SDK client over stdio through the host call path', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [ACAI_BIN, 'mcp'], cwd: REPO_ROOT, env: environment(), stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const client = new Client({ name: 'acai-e2e-stdio', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()).toMatchObject({ name: 'acai' });
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['datetime__get_current_time', 'weather__get_forecast', 'holidays__list_holidays']));

      const time = await client.callTool({ name: 'datetime__get_current_time', arguments: { time_zone: 'America/Lima' } });
      expect(resultText(time)).toMatch(/^Current time in America\/Lima: .*UTC-05:00/);
      const regions = await client.callTool({ name: 'holidays__list_holiday_regions', arguments: { country: 'ES' } });
      expect(regions.isError).toBeUndefined();
      expect(resultText(regions)).toContain('CT');

      const invalid = await client.callTool({ name: 'datetime__get_current_time', arguments: { time_zone: 5 } });
      expect(invalid.isError).toBe(true);
      expect(JSON.parse(resultText(invalid)).error.code).toBe('INVALID_INPUT');
      const unknown = await client.callTool({ name: 'datetime__set_clock', arguments: {} }).catch((error: unknown) => error);
      expect((unknown as McpError).code).toBe(-32602);
    } finally {
      await client.close();
    }
    expect(stderr).toMatch(/"msg":"acai mcp: serving the plugin tools over stdio"/);
    expect(stderr).toMatch(/"reason":"stdin closed","msg":"acai mcp: stopped"/);
  });

  it.each([
    ['inline', {}],
    ['a worker thread', { PLUGIN_WORKER_ISOLATION: 'thread' }],
    ['a worker process', { PLUGIN_WORKER_ISOLATION: 'process' }],
  ] as const)('keeps stdout for JSON-RPC alone while a plugin in %s prints to it, and answers the last call before exiting on stdin close', async (label, extra) => {
    const config = join(folder.path, `noisy-${label.replaceAll(' ', '-')}.config.json`);
    // A worker process boots a whole Node below the host's priority: start-up gets the suite's budget.
    const policy = { setupTimeoutMs: START_UP_DEADLINE_MS };
    // Third-party code runs inline only outside the sandbox, which the operator says with "sandbox": "none" (forSuite).
    const entry = forSuite({ name: 'noisy-stdout', path: NOISY_PLUGIN, mode: label === 'inline' ? 'inline' : 'worker', policy }, folder.path);
    await writeFile(config, JSON.stringify({ plugins: [entry] }));
    // The default log level: a worker's prints come to stderr as the plugin's log lines, stdout ones at
    // `info` and stderr ones at `warn` (docs/plugins.md).
    const server = startRaw([], environment({ PLUGINS_CONFIG: config, ...extra }));
    await initialize(server);
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'noisy-stdout__say_hello', arguments: { name: 'Ada' } } });
    // The client hangs up right after its request: the answer still comes, then a clean exit.
    server.child.stdin!.end();
    expect(await server.exited).toBe(0);
    const answer = await server.response(2);
    expect(answer.result.content).toEqual([{ type: 'text', text: 'hello Ada' }]);
    for (const line of server.stdoutLines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    expect(server.stderr()).toContain('noisy-stdout: console.log while greeting Ada');
    // A worker thread's last unterminated write may still be in flight when the worker is disposed.
    if (label !== 'a worker thread') expect(server.stderr()).toContain('noisy-stdout: process.stdout.write without a newline');
    if (label === 'inline') expect(server.stderr()).toContain('noisy-stdout: imported');
    expect(server.stderr()).toContain('noisy-stdout: console.error while greeting Ada');
  });

  it.each([
    ['a worker thread', { PLUGIN_WORKER_ISOLATION: 'thread' }],
    ['a worker process', { PLUGIN_WORKER_ISOLATION: 'process' }],
  ] as const)('with --log-level warn still shows what a plugin in %s prints to stderr, as warn lines of the plugin, and leaves out its stdout prints', async (label, extra) => {
    const config = join(folder.path, `noisy-warn-${label.replaceAll(' ', '-')}.config.json`);
    const entry = forSuite({ name: 'noisy-stdout', path: NOISY_PLUGIN, mode: 'worker', policy: { setupTimeoutMs: START_UP_DEADLINE_MS } }, folder.path);
    await writeFile(config, JSON.stringify({ plugins: [entry] }));
    const server = startRaw(['--log-level', 'warn'], environment({ PLUGINS_CONFIG: config, ...extra }));
    await initialize(server);
    server.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'noisy-stdout__say_hello', arguments: { name: 'Grace' } } });
    expect((await server.response(2)).result.content).toEqual([{ type: 'text', text: 'hello Grace' }]);
    server.child.stdin!.end();
    expect(await server.exited).toBe(0);
    const printed = server
      .stderr()
      .split('\n')
      .filter((line) => line.includes('noisy-stdout: console.'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(printed).toEqual([expect.objectContaining({ level: 'warn', plugin: 'noisy-stdout', stream: 'stderr', msg: 'noisy-stdout: console.error while greeting Grace' })]);
  });

  it('tells the client when a breaker hides tools, and applies the tenant tool quota', async () => {
    const config = join(folder.path, 'testbed.config.json');
    await writeFile(
      config,
      JSON.stringify({ plugins: [forSuite({ name: 'testbed', path: TESTBED_PLUGIN, mode: 'inline', policy: { breaker: { failureThreshold: 2, halfOpenAfterMs: 600000 } } }, folder.path)] }),
    );
    const server = startRaw(['--tenant', 'ide'], environment({ PLUGINS_CONFIG: config, TENANT_TOOL_CALLS_PER_MINUTE: '1' }));
    try {
      await initialize(server);
      const call = (id: number, name: string, args: Record<string, unknown>) => {
        server.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: `testbed__${name}`, arguments: args } });
        return server.response(id);
      };
      expect((await call(2, 'echo_text', { text: 'hi', times: 2 })).result.content[0].text).toBe('hihi');
      const limited = await call(3, 'echo_text', { text: 'hi', times: 2 });
      expect(limited.result).toMatchObject({ isError: true, _meta: { 'acai/outcome': 'rate_limited' } });

      await call(4, 'fail_with', { code: 'UPSTREAM_FAILED' });
      // One call per tool and tenant per minute: the second failure comes from another tool.
      await call(5, 'crash_now', {});
      while (!server.stdoutLines.some((line) => line.includes('notifications/tools/list_changed'))) await new Promise((resolve) => setTimeout(resolve, 50));
      server.send({ jsonrpc: '2.0', id: 6, method: 'tools/list' });
      expect((await server.response(6)).result.tools).toEqual([]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('logs a malformed line on stderr and keeps serving; stops cleanly on SIGTERM', async () => {
    const server = startRaw([], environment());
    await initialize(server);
    server.send('{"jsonrpc": "2.0", "id": 3, "method": "tools/li');
    server.send('this is not JSON at all');
    server.send({ jsonrpc: '2.0', id: 4, method: 'tools/list' });
    expect((await server.response(4)).result.tools.length).toBeGreaterThan(0);
    server.send({ jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: 'file:///etc/passwd' } });
    expect((await server.response(5)).error).toEqual({ code: -32601, message: 'Method not found' });
    expect(server.stderr()).toMatch(/"msg":"MCP message refused"/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/"reason":"signal","msg":"acai mcp: stopped"/);
    for (const line of server.stdoutLines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });

  it('prints help with a client configuration example, and refuses bad flags as usage errors', async () => {
    const help = await runAcaiBinary(['mcp', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('"mcpServers"');
    expect(help.stdout).toContain('"args": ["/srv/acai/core/bin/acai.js", "mcp", "--config", "/srv/acai/plugins.config.json"]');
    const badTenant = await runAcaiBinary(['mcp', '--tenant', 'not a tenant']);
    expect(badTenant).toMatchObject({ code: 2, stdout: '', stderr: 'acai: --tenant must be 1-64 letters, digits, "_", "." or "-" (see `acai mcp --help`)\n' });
    const stray = await runAcaiBinary(['mcp', 'serve']);
    expect(stray).toMatchObject({ code: 2, stdout: '', stderr: 'acai: unexpected argument "serve" (see `acai mcp --help`)\n' });
    const missingConfig = await runAcaiBinary(['mcp', '--config', join(folder.path, 'absent.json')], { env: { ACAI_DATA_DIR: join(folder.path, 'data') } });
    expect(missingConfig.code).toBe(1);
    expect(missingConfig.stdout).toBe('');
    expect(missingConfig.stderr).toMatch(/^acai: .*absent\.json/);
  });
});
