// Support for the suites that drive Acai's MCP server with the official SDK client: the plugin set they
// load (the shipped plugins, weather against a local Open-Meteo fake, and the call-path testbed) and
// raw JSON-RPC requests for the hostile-input cases a well-behaved client never sends.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { parsePluginsConfig, type PluginsConfig } from '../../core/src/config/plugins-config.js';
import type { FakeOpenMeteo } from '../fakes/open-meteo/index.js';
import { forSuite } from '../support/plugin-grants.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';
import { REPO_PLUGINS_CONFIG } from './host-support.js';

export const TESTBED_PLUGIN = fileURLToPath(new URL('../fixtures/plugins/testbed', import.meta.url));
const MCP_STDIO_SERVER = fileURLToPath(new URL('../fixtures/mcp-servers/stdio-server.js', import.meta.url));
/** An MCP server loaded as a plugin, so MCP clients reach another MCP server's tools through Acai. */
export const MCP_PLUGIN = 'relayed';
/** The testbed's configured secret: the call path must scrub it from every result. */
export const TESTBED_SECRET = 'tb-mcp-secret-value-0123456789';

/**
 * The shipped plugin set with weather pointed at the fake, plus the testbed plugin (inline) whose
 * breaker opens after two failures and stays open until reset, and an MCP server over stdio.
 */
export function mcpPluginsConfig(weather: FakeOpenMeteo): PluginsConfig {
  const shipped = JSON.parse(readFileSync(REPO_PLUGINS_CONFIG, 'utf8')) as { defaults: unknown; plugins: Array<Record<string, unknown>> };
  const plugins = shipped.plugins.map((plugin) =>
    plugin.name === 'weather'
      ? {
          ...plugin,
          config: { ...(plugin.config as object), openMeteoGeocodingUrl: weather.geocodingUrl, openMeteoForecastUrl: weather.forecastUrl },
          network: { allowHosts: [new URL(weather.forecastUrl).host] },
        }
      : plugin,
  );
  plugins.push({
    name: 'testbed',
    path: TESTBED_PLUGIN,
    // Inline, so a test can reach its state (globalThis.__acaiTestbed) in this process.
    mode: 'inline',
    config: { apiKey: TESTBED_SECRET },
    policy: { timeoutMs: 2000, breaker: { failureThreshold: 2, halfOpenAfterMs: 600_000 } },
  });
  plugins.push({
    name: MCP_PLUGIN,
    mcp: { command: process.execPath, args: [MCP_STDIO_SERVER, '--only=echo', '--name=relayed-fixture', '--version=1.2.0'] },
    // The server is a Node process started below the host's priority: on a busy machine it can take longer
    // than the default 10 s to answer initialize, and the host would start without its tools.
    policy: { setupTimeoutMs: START_UP_DEADLINE_MS },
  });
  return parsePluginsConfig({ ...shipped, plugins: plugins.map((plugin) => forSuite(plugin, dirname(REPO_PLUGINS_CONFIG))) }, { path: REPO_PLUGINS_CONFIG, env: {} });
}

/** An SDK client connected to `/mcp` with `key`, recording tools/list_changed notifications. */
export interface ConnectedClient {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  /** Resolves on the next tools/list_changed notification. */
  nextListChanged(): Promise<void>;
  close(): Promise<void>;
}

export async function connectHttpClient(hostUrl: string, key: string | undefined): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(`${hostUrl}/mcp`), {
    requestInit: { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'acai-e2e', version: '1.0.0' });
  let waiters: Array<() => void> = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  });
  await client.connect(transport);
  return {
    client,
    transport,
    nextListChanged: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => client.close(),
  };
}

/** The headers a Streamable HTTP client sends. */
export function mcpHeaders(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...extra };
}

/** What a raw request to /mcp answered. */
export interface RawMcpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body, when it is JSON. */
  readonly body: any;
}

/** Sends one raw HTTP request to /mcp. */
export async function rawMcp(hostUrl: string, init: { method?: string; headers: Record<string, string>; body?: string }): Promise<RawMcpResponse> {
  const response = await fetch(`${hostUrl}/mcp`, { method: init.method ?? 'POST', headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** An initialize request as a client sends it first. */
export function initializeMessage(id: number | string = 1): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw-e2e', version: '1' } } };
}

/** Opens a session with raw requests (initialize, then the initialized notification); returns its id. */
export async function openRawSession(hostUrl: string, key: string): Promise<string> {
  const opened = await rawMcp(hostUrl, { headers: mcpHeaders(key), body: JSON.stringify(initializeMessage()) });
  const sessionId = opened.headers.get('mcp-session-id');
  if (opened.status !== 200 || sessionId === null) throw new Error(`initialize failed: ${opened.status} ${opened.text}`);
  const initialized = await rawMcp(hostUrl, {
    headers: mcpHeaders(key, { 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION }),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  if (initialized.status !== 202) throw new Error(`initialized notification failed: ${initialized.status} ${initialized.text}`);
  return sessionId;
}

/** The text of a CallToolResult's first content block (the SDK types the result loosely). */
export function resultText(result: object): string {
  const content = (result as { content?: unknown }).content;
  const [first] = (Array.isArray(content) ? content : []) as Array<{ type?: string; text?: string }>;
  return first?.type === 'text' ? (first.text ?? '') : '';
}
