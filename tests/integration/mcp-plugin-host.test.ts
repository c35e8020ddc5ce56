// MCP servers as plugins, through the real loader and call path: the fixture server (official SDK,
// stdio and Streamable HTTP) next to the inline testbed plugin. Servers are real child processes.
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpFixtureServer, type HttpFixtureServer } from '../fixtures/mcp-servers/http-server.js';
import { waitUntil } from '../support/timing.js';
import { stdioServerEntry } from './mcp-support.js';
import { fixtureConfig, loadFixtureHost, metricValue, type FixtureHost } from './plugin-host-support.js';

const hosts: FixtureHost[] = [];
const httpServers: HttpFixtureServer[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  await Promise.all(httpServers.splice(0).map((server) => server.close()));
});

async function load(plugins: Array<Record<string, unknown>>, env: Record<string, string> = {}, defaults?: Record<string, unknown>): Promise<FixtureHost> {
  const loaded = await loadFixtureHost(fixtureConfig(plugins, env, defaults));
  hosts.push(loaded);
  return loaded;
}

const TESTBED = { name: 'testbed', path: './testbed', mode: 'inline' };

describe('an MCP stdio server as a plugin', () => {
  it('lists the server\'s tools namespaced like any plugin\'s, with its name, version and transport, quarantining only the bad tools', async () => {
    const loaded = await load([stdioServerEntry('files'), TESTBED]);
    const [files, testbed] = loaded.host.listPlugins();
    expect(files).toMatchObject({ name: 'files', state: 'loaded', kind: 'mcp', transport: 'stdio', serverName: 'acai-fixture', version: '1.4.0', mode: 'external', isRestarting: false });
    expect(files?.source.startsWith(`mcp stdio ${process.execPath} `)).toBe(true);
    expect(testbed).toMatchObject({ name: 'testbed', kind: 'npm', state: 'loaded' });
    expect(files?.tools).toEqual(expect.arrayContaining(['files__do_nothing', 'files__echo', 'files__files_read', 'files__big_result']));
    expect(files?.quarantinedTools.map((tool) => tool.tool).sort()).toEqual(['broken_schema', 'free_form']);
    expect(files?.quarantinedTools.find((tool) => tool.tool === 'broken_schema')?.reason).toBe(
      'plugins.config.json › files (acai-fixture@1.4.0): tool "broken_schema" is quarantined: its inputSchema is not a valid JSON Schema: data/properties/count/minimum must be number',
    );
    const logged = loaded.lines.filter((line) => line['plugin'] === 'files' && line['level'] === 40).map((line) => String(line['msg']));
    expect(logged.some((message) => message.includes('"free_form" is quarantined'))).toBe(true);
    const offered = loaded.host.listModelTools().map((tool) => tool.function.name);
    expect(offered).toContain('testbed__echo_text');
    expect(offered).not.toContain('files__broken_schema');
    expect(loaded.host.loadReport().ok).toBe(true);
  });

  it('offers the model the strict form of the schema and gives the server back the arguments it asked for', async () => {
    const loaded = await load([stdioServerEntry('files')]);
    const echo = loaded.host.listModelTools().find((tool) => tool.function.name === 'files__echo');
    expect(echo?.function).toMatchObject({
      strict: true,
      parameters: { type: 'object', additionalProperties: false, required: ['text', 'repeat', 'tags'], properties: { repeat: { type: ['integer', 'null'] } } },
    });
    expect(echo?.function.parameters).not.toHaveProperty('$schema');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const result = await loaded.host.callTool('files__echo', '{"text":"hi","repeat":null,"tags":["a"]}', { traceparent });
    expect(result).toMatchObject({ outcome: 'ok', plugin: { name: 'files', version: '1.4.0' }, tool: 'echo', content: '{"text":"hi","tags":["a"]}' });
    // The server received no `repeat` (null meant "left out") and the caller's trace context in _meta.
    expect(result.data).toEqual({ received: { text: 'hi', tags: ['a'] }, meta: { traceparent } });
    const dotted = await loaded.host.callTool('files__files_read', { path: '/etc/motd' });
    expect(dotted).toMatchObject({ outcome: 'ok', tool: 'files.read', content: 'contents of /etc/motd' });
  });

  it('validates arguments against the server\'s own schema: optional ones may be left out, and what it leaves open stays open', async () => {
    const loaded = await load([stdioServerEntry('files')]);
    const leftOut = await loaded.host.callTool('files__echo', '{"text":"x"}');
    expect(leftOut).toMatchObject({ outcome: 'ok', content: '{"text":"x"}' });
    // The server's schema does not close the object, so an extra property is the server's to judge.
    const extra = await loaded.host.callTool('files__echo', '{"text":"x","repeat":null,"extra":1}');
    expect(extra.outcome).toBe('ok');
    expect(extra.data).toMatchObject({ received: { text: 'x', extra: 1 } });
  });

  it('refuses bad arguments in the call path before they reach the server', async () => {
    const loaded = await load([stdioServerEntry('files')]);
    for (const raw of ['{"text": 5, "repeat": null, "tags": null}', '{"repeat":2}', '{not json', `{"text":"${'x'.repeat(10)}","repeat":"twice","tags":null}`]) {
      const result = await loaded.host.callTool('files__echo', raw);
      expect(result.outcome, raw).toBe('invalid_input');
      expect(result.error?.code).toBe('INVALID_INPUT');
    }
    expect(await metricValue(loaded, 'acai_tool_argument_validation_failures_total', { plugin: 'files', tool: 'echo' })).toBe(4);
    expect(await metricValue(loaded, 'acai_tool_calls_total', { plugin: 'files', tool: 'echo', outcome: 'ok' })).toBeUndefined();
  });

  it('scrubs the secrets given to the server from its results and its stderr log lines', async () => {
    const loaded = await load([stdioServerEntry('files', [], { mcp: { env: { FIXTURE_SECRET: '${FILES_SECRET}' } } })], { FILES_SECRET: 'mcp-secret-value-42' });
    const result = await loaded.host.callTool('files__reveal_secret', {});
    expect(result).toMatchObject({ outcome: 'ok', content: 'the secret is [REDACTED]' });
    expect(JSON.stringify(result)).not.toContain('mcp-secret-value-42');
    expect(loaded.host.listPlugins()[0]?.source).not.toContain('mcp-secret-value-42');
    const stderr = await waitUntil(() => {
      const lines = loaded.lines.filter((line) => line['plugin'] === 'files' && line['stream'] === 'stderr').map((line) => line['msg']);
      return lines.length >= 2 ? lines : undefined;
    }, 'two stderr lines');
    expect(stderr).toEqual(['fixture: stdio server ready', 'fixture: configured with secret [REDACTED]']);
    expect(JSON.stringify(loaded.lines)).not.toContain('mcp-secret-value-42');
  });

  it('caps an oversized result for the model with a note, keeping the full text for storage', async () => {
    const loaded = await load([stdioServerEntry('files', [], { policy: { maxOutputBytes: 1_024 } })]);
    const result = await loaded.host.callTool('files__big_result', { size: 200_000 });
    expect(result.outcome).toBe('ok');
    expect(Buffer.byteLength(result.content)).toBeLessThanOrEqual(1_024);
    expect(result.content).toMatch(/bytes truncated/);
    expect(result.content.endsWith('END')).toBe(true);
    expect(result.fullContent).toHaveLength(200_000);
  });

  it('turns isError into a failure the model reads, counted against the breaker, and binary content into text', async () => {
    const loaded = await load([stdioServerEntry('files')]);
    const failed = await loaded.host.callTool('files__fail_softly', {});
    expect(failed).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_FAILED', message: 'the upstream service refused the request' } });
    expect(JSON.parse(failed.content)).toEqual({ error: { code: 'UPSTREAM_FAILED', message: 'the upstream service refused the request' } });
    expect(loaded.host.listPlugins()[0]).toMatchObject({ errors: 1, lastError: { code: 'UPSTREAM_FAILED' } });
    const image = await loaded.host.callTool('files__show_image', {});
    expect(image).toMatchObject({ outcome: 'ok', content: 'a red dot\n[image image/png, 16 bytes, not shown]\n[resource file:///notes.txt (text/plain)]\nnote text', data: { colour: 'red' } });
    expect(await metricValue(loaded, 'acai_tool_calls_total', { plugin: 'files', tool: 'fail_softly', outcome: 'unavailable' })).toBe(1);
    expect(await metricValue(loaded, 'acai_tool_calls_total', { plugin: 'files', tool: 'show_image', outcome: 'ok' })).toBe(1);
  });

  it('retries read-only tools (annotations.readOnlyHint) and applies allow/deny lists, warning about names the server lacks', async () => {
    const loaded = await load([stdioServerEntry('files', [], { tools: { allow: ['do_nothing', 'echo', 'broken_schema', 'missing_tool'], deny: ['echo'] } })]);
    const tools = loaded.host.listTools();
    expect(tools.map((tool) => tool.exposedName)).toEqual(['files__do_nothing']);
    expect(tools[0]?.idempotent).toBe(true);
    const report = loaded.host.loadReport().plugins[0];
    expect(report?.quarantinedTools.map((tool) => tool.tool)).toEqual(['broken_schema']);
    expect(report?.warnings.some((warning) => warning.includes('tools.allow/deny names "missing_tool", which the plugin does not have'))).toBe(true);
  });

  it('refuses a server whose version is outside the configured range while the other plugins load', async () => {
    const loaded = await load([stdioServerEntry('files', [], { version: '^2.0.0' }), stdioServerEntry('other', ['--version=2.1.0'], { version: '^2.0.0' }), TESTBED]);
    const [files, other] = loaded.host.listPlugins();
    expect(files).toMatchObject({ state: 'failed', error: { code: 'HOST_PLUGIN_VERSION_MISMATCH' } });
    expect(files?.error?.message).toBe(
      'plugins.config.json › files (acai-fixture@1.4.0): the server reports version 1.4.0, outside the accepted range "^2.0.0". Install a matching server or change "version" in plugins.config.json.',
    );
    expect(other).toMatchObject({ state: 'loaded', version: '2.1.0' });
    expect((await loaded.host.callTool('testbed__echo_text', { text: 'x', times: 1 })).outcome).toBe('ok');
  });

  it('refuses a server whose ${VAR} is unset without starting it, naming the variable', async () => {
    const loaded = await load([stdioServerEntry('files', [], { mcp: { env: { FIXTURE_SECRET: '${UNSET_FILES_TOKEN}' } } }), TESTBED]);
    expect(loaded.host.listPlugins()[0]).toMatchObject({
      state: 'failed',
      error: {
        code: 'HOST_PLUGIN_SECRET_MISSING',
        message: 'plugins.config.json › files › mcp.env.FIXTURE_SECRET: environment variable UNSET_FILES_TOKEN is not set. Set it in the host\'s environment.',
      },
    });
    expect(loaded.lines.some((line) => line['stream'] === 'stderr')).toBe(false);
  });

  it('loads ten servers side by side, each with its own process', async () => {
    const loaded = await load(Array.from({ length: 10 }, (_, index) => stdioServerEntry(`server-${index}`, [], { tools: { allow: ['do_nothing'] } })));
    expect(loaded.host.listTools()).toHaveLength(10);
    const results = await Promise.all(loaded.host.listTools().map((tool) => loaded.host.callTool(tool.exposedName, {})));
    expect(results.every((result) => result.outcome === 'ok' && result.content === 'ok')).toBe(true);
  });
});

describe('an MCP Streamable HTTP server as a plugin', () => {
  async function httpServer(token = 'http-token-abc123'): Promise<HttpFixtureServer> {
    const server = await startHttpFixtureServer({ token, name: 'remote-fixture', version: '3.0.1' });
    httpServers.push(server);
    return server;
  }

  it('connects with the configured headers, calls tools through the call path and shows its transport', async () => {
    const server = await httpServer();
    const loaded = await load([{ name: 'remote', version: '^3.0.0', mcp: { url: server.url, headers: { Authorization: 'Bearer ${REMOTE_TOKEN}' } } }], { REMOTE_TOKEN: 'http-token-abc123' });
    expect(loaded.host.listPlugins()[0]).toMatchObject({ state: 'loaded', kind: 'mcp', transport: 'streamable_http', serverName: 'remote-fixture', version: '3.0.1', source: `mcp streamable_http ${server.url}` });
    const result = await loaded.host.callTool('remote__echo', { text: 'over http', repeat: 2, tags: null });
    expect(result).toMatchObject({ outcome: 'ok', content: '{"text":"over http","repeat":2}' });
    expect(server.requests.every((request) => request.headers['authorization'] === 'Bearer http-token-abc123')).toBe(true);
    const secret = await loaded.host.callTool('remote__reveal_secret', {});
    expect(secret.outcome).toBe('ok');
  });

  it('starts a new session when the server forgot the old one, and the call still succeeds', async () => {
    const server = await httpServer();
    const loaded = await load([{ name: 'remote', mcp: { url: server.url, headers: { Authorization: 'Bearer http-token-abc123' } } }]);
    expect((await loaded.host.callTool('remote__do_nothing', {})).outcome).toBe('ok');
    server.expireSessions();
    const afterExpiry = await loaded.host.callTool('remote__do_nothing', {});
    expect(afterExpiry).toMatchObject({ outcome: 'ok', content: 'ok' });
    expect(server.sessionCount).toBe(1);
    expect(loaded.lines.some((line) => line['msg'] === 'the MCP session expired; starting a new one')).toBe(true);
  });

  it('maps a failure of the call sent again on the new session like any call failure', async () => {
    const server = await httpServer();
    // Once armed: the next tools/call finds its session gone (404), and the one sent again on the new
    // session is refused with JSON-RPC's invalid-params error.
    let callsToRefuse = 0;
    const fetchThrough: typeof fetch = async (input, init) => {
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string; id?: number }) : undefined;
      if (callsToRefuse > 0 && body?.method === 'tools/call') {
        callsToRefuse -= 1;
        if (callsToRefuse === 1) return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }), { status: 404 });
        return Response.json({ jsonrpc: '2.0', id: body.id, error: { code: -32602, message: 'text is too long' } });
      }
      return fetch(input, init);
    };
    const loaded = await loadFixtureHost(fixtureConfig([{ name: 'remote', mcp: { url: server.url, headers: { Authorization: 'Bearer http-token-abc123' } } }]), { fetch: fetchThrough });
    hosts.push(loaded);
    callsToRefuse = 2;
    const result = await loaded.host.callTool('remote__echo', { text: 'long', repeat: null, tags: null });
    expect(callsToRefuse).toBe(0);
    expect(result).toMatchObject({ outcome: 'invalid_input', error: { code: 'INVALID_INPUT' } });
    expect(result.error?.message).toContain('The remote server refused the arguments of "echo"');
  });

  it('refuses a server that rejects the credentials, naming the HTTP status, while the rest loads', async () => {
    const server = await httpServer();
    const loaded = await load([{ name: 'remote', mcp: { url: server.url, headers: { Authorization: 'Bearer wrong-token' } } }, TESTBED]);
    const [remote, testbed] = loaded.host.listPlugins();
    expect(remote).toMatchObject({ state: 'failed', error: { code: 'HOST_PLUGIN_MCP_CONNECT_FAILED' } });
    expect(remote?.error?.message).toContain('cannot connect (HTTP 401)');
    expect(remote?.error?.message).not.toContain('wrong-token');
    expect(testbed?.state).toBe('loaded');
  });

  it('reconnects in the background after the server became unreachable; calls meanwhile fail fast as unavailable', async () => {
    const server = await httpServer();
    const loaded = await load([{ name: 'remote', mcp: { url: server.url, headers: { Authorization: 'Bearer http-token-abc123' } } }]);
    expect((await loaded.host.callTool('remote__do_nothing', {})).outcome).toBe('ok');
    await server.close();
    httpServers.splice(httpServers.indexOf(server), 1);
    const failed = await loaded.host.callTool('remote__do_nothing', {});
    expect(failed).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_UNAVAILABLE' } });
    expect(loaded.host.listPlugins()[0]?.isRestarting).toBe(true);
    const meanwhile = await loaded.host.callTool('remote__do_nothing', {});
    expect(meanwhile.error?.message).toContain('restarting');
  });
});
