import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_VERSION } from '../../core/src/app.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../fakes/open-meteo/index.js';
import { requireRedisUrl } from '../support/env.js';
import { sharedServicesEnv, startTestHost, type RunningTestHost } from './host-support.js';
import {
  connectHttpClient,
  initializeMessage,
  mcpHeaders,
  MCP_PLUGIN,
  mcpPluginsConfig,
  openRawSession,
  rawMcp,
  resultText,
  TESTBED_SECRET,
  type ConnectedClient,
} from './mcp-server-support.js';

// Acai as an MCP server over Streamable HTTP: the official SDK client against /mcp on the real app
// (FerretDB, Redis), with weather answered by a local Open-Meteo fake.
const KEY_IDE = 'acai_mcp_ide_tenant_a_0123456789abcdef';
const KEY_SECOND = 'acai_mcp_second_tenant_a_0123456789abc';
const KEY_QUOTA = 'acai_mcp_quota_tenant_q_0123456789abcd';
const KEY_CHAT = 'acai_mcp_chat_only_0123456789abcdefghij';
const KEY_OPS = 'acai_mcp_ops_metrics_0123456789abcdefgh';
const TOOL_QUOTA = 3;
const MAX_BODY_BYTES = 64 * 1024;

let weather: FakeOpenMeteo;
let host: RunningTestHost;
let ide: ConnectedClient;
const services = sharedServicesEnv('mcp_http');

beforeAll(async () => {
  weather = await startFakeOpenMeteo();
  host = await startTestHost(
    {
      ...services,
      ACAI_API_KEYS: [`${KEY_IDE}:tenant-a:tools`, `${KEY_SECOND}:tenant-a:tools+chat`, `${KEY_QUOTA}:tenant-q:tools`, `${KEY_CHAT}:tenant-a:chat`, `${KEY_OPS}:ops:metrics`].join(','),
      TENANT_TOOL_CALLS_PER_MINUTE: String(TOOL_QUOTA),
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_BURST: '100000',
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    },
    { pluginsConfig: mcpPluginsConfig(weather) },
  );
  ide = await connectHttpClient(host.url, KEY_IDE);
});

afterAll(async () => {
  await ide?.close();
  await host?.close();
  await weather?.close();
  const cleaner = new Redis(requireRedisUrl());
  const keys = await cleaner.keys(`${services.REDIS_KEY_PREFIX}*`);
  if (keys.length > 0) await cleaner.del(...keys);
  await cleaner.quit();
});

async function metricsText(): Promise<string> {
  const response = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${KEY_OPS}` } });
  expect(response.status).toBe(200);
  return response.text();
}

describe('MCP over Streamable HTTP: tools', () => {
  it('introduces itself as acai with the host version and lists every enabled tool with its validated schema', async () => {
    expect(ide.client.getServerVersion()).toEqual({ name: 'acai', title: 'Acai', version: HOST_VERSION });
    expect(ide.client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true } });
    expect(ide.client.getInstructions()).toContain('<plugin>__<tool>');
    const { tools } = await ide.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['datetime__get_current_time', 'weather__get_current_weather', 'holidays__list_holidays', 'testbed__echo_text']));
    expect(names).toEqual(host.app.pluginHost.listTools().map((tool) => tool.exposedName));
    const forecast = tools.find((tool) => tool.name === 'weather__get_forecast');
    const registered = host.app.pluginHost.listTools().find((tool) => tool.exposedName === 'weather__get_forecast');
    expect(forecast?.inputSchema).toEqual(registered?.parameters);
    expect(forecast?.annotations).toEqual({ idempotentHint: true });
    expect(forecast?._meta).toEqual({ 'acai/plugin': 'weather', 'acai/plugin_version': registered?.pluginVersion, 'acai/tool': 'get_forecast' });
    expect(tools.find((tool) => tool.name === 'testbed__echo_text')?.annotations).toBeUndefined();
  });

  it('calls datetime, weather (through the Open-Meteo fake) and holidays through the call path, counted in /metrics', async () => {
    const time = await ide.client.callTool({ name: 'datetime__get_current_time', arguments: { time_zone: 'Asia/Tokyo' } });
    expect(time.isError).toBeUndefined();
    expect(resultText(time)).toMatch(/^Current time in Asia\/Tokyo: .*UTC\+09:00/);
    expect(time._meta).toEqual({ 'acai/outcome': 'ok', 'acai/plugin': 'datetime', 'acai/plugin_version': expect.any(String) });

    weather.requests.length = 0;
    const current = await ide.client.callTool({ name: 'weather__get_current_weather', arguments: { location: 'Paris' } });
    expect(current.isError).toBeUndefined();
    expect(resultText(current)).toContain('Paris');
    expect(weather.requests.map((request) => request.path)).toEqual(expect.arrayContaining(['/v1/search', '/v1/forecast']));

    const holidays = await ide.client.callTool({
      name: 'holidays__list_holidays',
      arguments: { country: 'ES', region: null, year: 2026, from_date: null, to_date: null, types: null, max_count: null },
    });
    expect(holidays.isError).toBeUndefined();
    expect(resultText(holidays)).toContain('2026-12-25');
    // MCP clients do not know strict mode: optional arguments left out mean "not given", as with nulls.
    const leftOut = await ide.client.callTool({ name: 'holidays__list_holidays', arguments: { country: 'ES', year: 2026 } });
    expect(resultText(leftOut)).toBe(resultText(holidays));
    const noArguments = await ide.client.callTool({ name: 'datetime__get_current_time', arguments: {} });
    expect(noArguments.isError).toBeUndefined();
    expect(resultText(noArguments)).toMatch(/^Current time in /);

    const text = await metricsText();
    expect(text).toMatch(/^acai_tool_calls_total\{plugin="datetime",tool="get_current_time",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^acai_tool_calls_total\{plugin="weather",tool="get_current_weather",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^acai_tool_calls_total\{plugin="holidays",tool="list_holidays",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^acai_mcp_requests_total\{transport="http",method="tools\/call"\} [3-9]/m);
    expect(text).toMatch(/^acai_mcp_sessions\{transport="http"\} [1-9]/m);
    expect(text).toMatch(/^acai_http_requests_total\{route="\/mcp",method="POST",status="200"\} [1-9]/m);
  });

  it('relays the tools of an MCP server loaded as a plugin: the client calls it through Acai\'s call path', async () => {
    const { tools } = await ide.client.listTools();
    const relayed = tools.find((tool) => tool.name === `${MCP_PLUGIN}__echo`);
    // The strict form the model is offered too: optional properties are required but nullable.
    expect(relayed?.inputSchema).toMatchObject({ type: 'object', required: ['text', 'repeat', 'tags'], additionalProperties: false });
    const result = await ide.client.callTool({ name: `${MCP_PLUGIN}__echo`, arguments: { text: 'through two hops', repeat: null, tags: ['a'] } });
    expect(result.isError).toBeUndefined();
    expect(result._meta).toEqual({ 'acai/outcome': 'ok', 'acai/plugin': MCP_PLUGIN, 'acai/plugin_version': '1.2.0' });
    // A null for an optional property reaches the upstream server as "left out", as its own schema expects.
    const text = resultText(result);
    expect(text).toContain('"text":"through two hops"');
    expect(text).toContain('"tags":["a"]');
    expect(text).not.toContain('repeat');
    expect(await metricsText()).toMatch(new RegExp(`^acai_tool_calls_total\\{plugin="${MCP_PLUGIN}",tool="echo",outcome="ok"\\} [1-9]`, 'm'));
  });

  it('answers invalid arguments with the readable isError result a model gets, and counts the validation failure', async () => {
    const result = await ide.client.callTool({ name: 'datetime__convert_time', arguments: { date_time: 'noon', from_time_zone: 7 } });
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ 'acai/outcome': 'invalid_input' });
    const error = JSON.parse(resultText(result)) as { error: { code: string; message: string } };
    expect(error.error.code).toBe('INVALID_INPUT');
    expect(error.error.message).toMatch(/Correct the arguments and call the tool again/);
    expect(await metricsText()).toMatch(/^acai_tool_argument_validation_failures_total\{plugin="datetime",tool="convert_time"\} [1-9]/m);
  });

  it('refuses an unknown tool with the JSON-RPC InvalidParams error, naming the tools there are', async () => {
    const failure = await ide.client.callTool({ name: 'nope__steal', arguments: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(McpError);
    expect((failure as McpError).code).toBe(-32602);
    expect((failure as McpError).message).toMatch(/There is no tool named "nope__steal"\. Available tools: datetime__get_current_time/);
  });

  it('scrubs plugin secrets from results and errors, as for the model', async () => {
    for (const fail of [false, true]) {
      const result = await ide.client.callTool({ name: 'testbed__leak_secret', arguments: { fail } });
      expect(JSON.stringify(result)).not.toContain(TESTBED_SECRET);
      expect(resultText(result)).toContain('[REDACTED]');
    }
  });

  it('hides the tools of a plugin whose breaker opened, tells connected clients, and lists them again after a reset', async () => {
    const hidden = ide.nextListChanged();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const failed = await ide.client.callTool({ name: 'testbed__fail_with', arguments: { code: 'UPSTREAM_FAILED' } });
      expect(failed.isError).toBe(true);
    }
    await hidden;
    const { tools } = await ide.client.listTools();
    expect(tools.some((tool) => tool.name.startsWith('testbed__'))).toBe(false);
    expect(tools.some((tool) => tool.name === 'datetime__get_current_time')).toBe(true);

    const refused = await ide.client.callTool({ name: 'testbed__do_nothing', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(refused._meta).toMatchObject({ 'acai/outcome': 'breaker_open' });
    expect(resultText(refused)).toMatch(/temporarily unavailable after repeated failures/);

    const shown = ide.nextListChanged();
    expect(host.app.pluginHost.resetBreaker('testbed')).toBe(true);
    await shown;
    expect((await ide.client.listTools()).tools.some((tool) => tool.name === 'testbed__do_nothing')).toBe(true);
  });

  it('applies the tenant tool quota: past it the call is the readable rate-limited result, not a failure', async () => {
    const quota = await connectHttpClient(host.url, KEY_QUOTA);
    try {
      const call = () => quota.client.callTool({ name: 'holidays__list_holiday_countries', arguments: { search: 'united' } });
      for (let index = 0; index < TOOL_QUOTA; index += 1) expect((await call()).isError).toBeUndefined();
      const limited = await call();
      expect(limited.isError).toBe(true);
      expect(limited._meta).toMatchObject({ 'acai/outcome': 'rate_limited' });
      expect(resultText(limited)).toMatch(/rate-limited: the call quota for holidays__list_holiday_countries is used up for now; retry in about \d+ s/);
      // The quota is per tenant: tenant-a's calls of the same tool still pass.
      expect((await ide.client.callTool({ name: 'holidays__list_holiday_countries', arguments: { search: null } })).isError).toBeUndefined();
      expect(await metricsText()).toMatch(/^acai_rate_limit_rejections_total\{limit="tool_calls"\} [1-9]/m);
    } finally {
      await quota.close();
    }
  });
});

describe('MCP over Streamable HTTP: who may call', () => {
  it('answers a missing or unknown key with 401 and a key without the tools scope with 403; a chat key cannot use /mcp', async () => {
    for (const [key, status] of [
      [undefined, 401],
      ['acai_never_issued_0123456789abcdef0000', 401],
      [KEY_CHAT, 403],
      [KEY_OPS, 403],
    ] as const) {
      const failure = await connectHttpClient(host.url, key).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StreamableHTTPError);
      expect((failure as StreamableHTTPError).code).toBe(status);
    }
    const raw = await rawMcp(host.url, { headers: mcpHeaders(KEY_CHAT), body: JSON.stringify(initializeMessage()) });
    expect(raw.status).toBe(403);
    expect(raw.body).toEqual({ code: 'permission_denied', msg: 'this API key lacks the "tools" scope' });
    // A key with both scopes may chat and use the tools.
    const both = await connectHttpClient(host.url, KEY_SECOND);
    await both.close();
  });

  it('refuses a session to another key, even of the same tenant, as if it did not exist', async () => {
    const sessionId = ide.transport.sessionId!;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    const session = { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    const stranger = await rawMcp(host.url, { headers: mcpHeaders(KEY_SECOND, session), body: list });
    expect(stranger.status).toBe(404);
    expect(stranger.body).toEqual({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null });
    const owner = await rawMcp(host.url, { headers: mcpHeaders(KEY_IDE, session), body: list });
    expect(owner.status).toBe(200);
    expect(owner.body.result.tools.length).toBeGreaterThan(0);
    expect(await metricsText()).toMatch(/^acai_mcp_http_refusals_total\{reason="session_wrong_caller"\} [1-9]/m);
  });

  it('ends a session on DELETE: its id is unknown afterwards', async () => {
    const ended = await connectHttpClient(host.url, KEY_SECOND);
    const sessionId = ended.transport.sessionId!;
    await ended.transport.terminateSession();
    await ended.close();
    const after = await rawMcp(host.url, {
      headers: mcpHeaders(KEY_SECOND, { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION }),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
    expect(await metricsText()).toMatch(/^acai_mcp_sessions_closed_total\{transport="http",reason="deleted"\} [1-9]/m);
  });
});

describe('MCP over Streamable HTTP: hostile input', () => {
  let sessionId: string;
  const inSession = () => mcpHeaders(KEY_IDE, { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION });

  beforeAll(async () => {
    sessionId = await openRawSession(host.url, KEY_IDE);
  });

  it.each([
    ['malformed JSON', () => ({ headers: inSession(), body: '{"jsonrpc": "2.0", "id": 1, "method": "tools/li' }), 400, -32700, /^Parse error: Invalid JSON$/],
    ['an empty body', () => ({ headers: inSession(), body: '' }), 400, -32700, /^Parse error/],
    ['an empty batch', () => ({ headers: inSession(), body: '[]' }), 400, -32600, /a batch must hold 1 to 20 messages \(got 0\)/],
    [
      'a batch of 500 calls',
      () => ({ headers: inSession(), body: JSON.stringify(Array.from({ length: 500 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'testbed__do_nothing', arguments: {} } }))) }),
      400,
      -32600,
      /a batch must hold 1 to 20 messages \(got 500\)/,
    ],
    ['a JSON value that is no JSON-RPC message', () => ({ headers: inSession(), body: '"tools/list"' }), 400, -32700, /Invalid JSON-RPC message/],
    ['a body over MAX_BODY_BYTES', () => ({ headers: inSession(), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(MAX_BODY_BYTES) } }) }), 413, -32000, /Payload Too Large: the body must not exceed 65536 bytes/],
    ['text/plain', () => ({ headers: { ...inSession(), 'content-type': 'text/plain' }, body: '{}' }), 415, -32000, /Content-Type must be application\/json/],
    ['an Accept without text/event-stream', () => ({ headers: { ...inSession(), accept: 'application/json' }, body: '{}' }), 406, -32000, /must accept both application\/json and text\/event-stream/],
    ['a foreign Origin (DNS rebinding)', () => ({ headers: { ...inSession(), origin: 'http://evil.example' }, body: '{}' }), 403, -32000, /this Origin may not use \/mcp/],
    ['no session id on a request', () => ({ headers: mcpHeaders(KEY_IDE), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) }), 400, -32000, /Mcp-Session-Id header is required/],
    ['an unknown session id', () => ({ headers: mcpHeaders(KEY_IDE, { 'mcp-session-id': 'f'.repeat(4000) }), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) }), 404, -32001, /^Session not found$/],
    [
      'an initialize without its params',
      () => ({ headers: mcpHeaders(KEY_IDE), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { capabilities: 'all' } }) }),
      400,
      -32602,
      /initialize needs params\.protocolVersion/,
    ],
    ['a second initialize on a session', () => ({ headers: inSession(), body: JSON.stringify(initializeMessage(2)) }), 400, -32600, /Server already initialized/],
    ['PUT', () => ({ method: 'PUT', headers: inSession(), body: '{}' }), 405, -32000, /use POST, GET or DELETE/],
    ['a GET without an event-stream Accept', () => ({ method: 'GET', headers: { ...inSession(), accept: 'application/json' } }), 406, -32000, /must accept text\/event-stream/],
    ['a GET without a session', () => ({ method: 'GET', headers: mcpHeaders(KEY_IDE, { accept: 'text/event-stream' }) }), 400, -32000, /Mcp-Session-Id header is required/],
    ['an unsupported protocol version header', () => ({ headers: { ...inSession(), 'mcp-protocol-version': '1999-01-01' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) }), 400, -32000, /Unsupported protocol version/],
  ] as const)('refuses %s with a clear JSON-RPC error and no detail', async (_label, request, status, code, message) => {
    const response = await rawMcp(host.url, request());
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ jsonrpc: '2.0', error: { code, message: expect.stringMatching(message) }, id: null });
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+|node_modules|stack/);
  });

  it('answers JSON-RPC errors inside the session: an unknown method, arguments that are not an object, absurd arguments', async () => {
    const call = async (body: unknown) => (await rawMcp(host.url, { headers: inSession(), body: JSON.stringify(body) })).body;
    expect(await call({ jsonrpc: '2.0', id: 1, method: 'acai/dump_secrets', params: {} })).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } });
    const notAnObject = await call({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'datetime__get_current_time', arguments: 'Europe/Madrid' } });
    expect(notAnObject).toMatchObject({ id: 2, error: { code: -32602, message: expect.stringMatching(/Invalid tools\/call request: .*arguments/s) } });

    const huge = await call({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'datetime__get_current_time', arguments: { time_zone: 'Z'.repeat(60_000) } } });
    expect(huge.result).toMatchObject({ isError: true, _meta: { 'acai/outcome': 'invalid_input' } });
    // What the model would get: capped to the plugin's output limit, head and tail kept.
    expect(huge.result.content[0].text).toMatch(/^\{"error":\{"code":"INVALID_INPUT"/);
    expect(huge.result.content[0].text.length).toBeLessThan(60_000);

    const deep = `{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"testbed__echo_text","arguments":{"text":${'['.repeat(20_000)}${']'.repeat(20_000)},"times":1}}}`;
    const nested = (await rawMcp(host.url, { headers: inSession(), body: deep })).body;
    expect(nested).toEqual({ jsonrpc: '2.0', id: 4, error: { code: -32602, message: 'MCP error -32602: tools/call arguments must be a JSON object that is not nested absurdly deep' } });

    // The host keeps serving the session and everyone else.
    expect((await call({ jsonrpc: '2.0', id: 5, method: 'tools/list' })).result.tools.length).toBeGreaterThan(0);
    expect((await ide.client.callTool({ name: 'datetime__days_between', arguments: { start_date: '2026-01-01', end_date: '2026-03-01', time_zone: null } })).isError).toBeUndefined();
    expect((await fetch(`${host.url}/healthz`)).status).toBe(200);
  });

  it('answers a small batch of requests with an array of responses', async () => {
    const response = await rawMcp(host.url, {
      headers: inSession(),
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'ping' },
        { jsonrpc: '2.0', id: 'b', method: 'tools/list' },
      ]),
    });
    expect(response.status).toBe(200);
    expect((response.body as Array<{ id: string }>).map((message) => message.id).sort()).toEqual(['a', 'b']);
  });
});
