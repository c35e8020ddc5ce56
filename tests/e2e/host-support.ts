import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type AcaiApp, type BuildAppOverrides } from '../../core/src/app.js';
import { loadHostConfig } from '../../core/src/config/env-config.js';
import { expect } from 'vitest';
import type { ChatCompletionBody, FakeOpenAIServer, FakeStep, FakeToolCall } from '../fakes/openai/index.js';
import { mongoUrlWithDatabase, requireRedisUrl, uniqueName } from '../support/env.js';

/**
 * The host's entry point as `npm start` runs it, for suites that start the host as a process. `npm test`
 * builds it before vitest runs; it starts in about half the CPU time of compiling main.ts on the fly.
 */
export const BUILT_MAIN = fileURLToPath(new URL('../../core/dist/main.js', import.meta.url));

/** The repository's own plugins.config.json: the suites run the shipped plugin set. */
export const REPO_PLUGINS_CONFIG = new URL('../../plugins.config.json', import.meta.url).pathname;

export const CHAT_MODEL = 'fake-chat';
export const TITLE_MODEL = 'fake-title';

/** A host listening on a free loopback port, built exactly like `npm start` builds it. */
export interface RunningTestHost {
  readonly app: AcaiApp;
  readonly url: string;
  close(): Promise<void>;
}

/** Builds and starts the real app with the given environment (plus a temp data dir). */
export async function startTestHost(env: Record<string, string | undefined>, overrides: BuildAppOverrides = {}): Promise<RunningTestHost> {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-e2e-'));
  const fullEnv = { PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env };
  const config = loadHostConfig(fullEnv);
  const app = await buildApp(config, { env: fullEnv, ...overrides });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Environment that points a host at the suite's MongoDB-wire server and Redis with a database and key
 * prefix of its own (named after `prefix`), so test files never see each other's data.
 */
export function sharedServicesEnv(prefix: string): Record<string, string> {
  const database = uniqueName(prefix);
  return { MONGODB_URL: mongoUrlWithDatabase(database), MONGODB_DATABASE: database, REDIS_URL: requireRedisUrl(), REDIS_KEY_PREFIX: `${database}:` };
}

/** Environment that points the host's model adapter at the fake OpenAI server. */
export function fakeModelEnv(fake: FakeOpenAIServer): Record<string, string> {
  return {
    OPENAI_API_KEY: fake.apiKey,
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_MODEL: CHAT_MODEL,
    OPENAI_TITLE_MODEL: TITLE_MODEL,
    OPENAI_MAX_ATTEMPTS: '2',
    // The fake plays OpenAI's own API, which honours strict mode (a local base URL would turn it off on auto).
    OPENAI_STRICT_TOOLS: 'on',
  };
}

/**
 * A deterministic "model": titles are fixed; a user message mentioning "time" makes it call the
 * datetime plugin once, then it answers with the tool's text; anything else is echoed.
 */
export function scriptedAssistant(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Asking About The Time' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content).slice(0, 200)}` };
  const text = typeof last?.content === 'string' ? last.content : '';
  const timeTool = body.tools?.find((tool) => tool.function.name === 'datetime__get_current_time');
  if (/\btime\b/i.test(text) && timeTool) {
    return { type: 'tool_calls', calls: [{ name: timeTool.function.name, arguments: { time_zone: 'Europe/Madrid' } }] };
  }
  return { type: 'text', content: `echo: ${text}` };
}

/**
 * The tool calls a user message asks a scripted model for: "call <plugin>__<tool> {json}" calls that tool
 * and "time" calls datetime, each only when the host offered it.
 */
export function requestedToolCalls(body: ChatCompletionBody, text: string): FakeToolCall[] {
  const offered = new Set(body.tools?.map((tool) => tool.function.name) ?? []);
  const calls: FakeToolCall[] = [];
  const requested = /call ([a-z0-9-]+__[a-z_]+) (\{.*\})/.exec(text);
  if (requested?.[1] !== undefined && offered.has(requested[1])) calls.push({ name: requested[1], arguments: JSON.parse(requested[2] ?? '{}') as Record<string, unknown> });
  if (/\btime\b/.test(text) && offered.has('datetime__get_current_time')) calls.push({ name: 'datetime__get_current_time', arguments: { time_zone: 'Europe/Madrid' } });
  return calls;
}

/**
 * A scripted model for the hostile suites: the title model answers `title`; a user message gets the calls it
 * asks for ({@link requestedToolCalls}), or an echo when it asks for none; a tool result ends the turn.
 */
export function toolCallingModel(title: string): (body: ChatCompletionBody) => FakeStep {
  return (body) => {
    if (body.model === TITLE_MODEL) return { type: 'text', content: title };
    const last = body.messages.at(-1);
    if (last?.role === 'tool') return { type: 'text', content: 'done' };
    const text = typeof last?.content === 'string' ? last.content : '';
    const calls = requestedToolCalls(body, text);
    return calls.length === 0 ? { type: 'text', content: `echo: ${text}` } : { type: 'tool_calls', calls };
  };
}

/** The host's Prometheus text, read with a key that has the `metrics` scope. */
export async function scrapeMetrics(url: string, key: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: bearer(key) });
  expect(response.status).toBe(200);
  return response.text();
}

/** POSTs a Twirp JSON request. */
export async function twirpJson(
  url: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  service = 'acai.chat.ChatService',
): Promise<{ status: number; body: Record<string, any>; headers: Headers }> {
  const response = await fetch(`${url}/twirp/${service}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, any>), headers: response.headers };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
