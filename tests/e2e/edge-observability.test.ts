import { spawnSync } from 'node:child_process';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPluginsConfig } from '../../core/src/config/plugins-config.js';
import { startTracing, type Tracing } from '../../core/src/observability/index.js';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { startFakeOpenMeteo, type FakeOpenMeteo } from '../fakes/open-meteo/index.js';
import { mongoUrlWithDatabase, requireRedisUrl, uniqueName } from '../support/env.js';
import { CHAT_MODEL, fakeModelEnv, REPO_PLUGINS_CONFIG, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';

// What an operator sees of a chat turn on the real host: the span tree (in-memory exporter) and the
// Prometheus exposition. The weather plugin talks to a local Open-Meteo fake, so the trace context
// can be followed into the plugin's own outgoing request.
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let fake: FakeOpenAIServer;
let weather: FakeOpenMeteo;
let host: RunningTestHost;
const redisPrefix = `${uniqueName('edge_obs')}:`;
const SESSION = { platform: 'web', user_id: 'visitor-7', chat_id: 'tab-3' };
const CALLER_TRACE_ID = '5bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '10f067aa0ba902b7';

/** Every question calls the weather tool once (Paris when named, else London); its answer is then summarised. */
function weatherAssistant(body: ChatCompletionBody): FakeStep {
  if (body.model === TITLE_MODEL) return { type: 'text', content: 'Weather In Madrid' };
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { type: 'text', content: `Here you go: ${String(last.content).slice(0, 80)}`, usage: { prompt_tokens: 321, completion_tokens: 12 } };
  const location = typeof last?.content === 'string' && last.content.includes('Paris') ? 'Paris' : 'London';
  return { type: 'tool_calls', calls: [{ name: 'weather__get_current_weather', arguments: { location } }], usage: { prompt_tokens: 300, completion_tokens: 9 } };
}

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'acai-e2e', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  fake = await startFakeOpenAI();
  fake.respondWith(weatherAssistant);
  weather = await startFakeOpenMeteo();
  const shipped = await loadPluginsConfig(REPO_PLUGINS_CONFIG, {});
  const pluginsConfig = {
    ...shipped,
    plugins: shipped.plugins.map((plugin) =>
      plugin.name === 'weather'
        ? {
            ...plugin,
            config: { ...plugin.config, openMeteoGeocodingUrl: weather.geocodingUrl, openMeteoForecastUrl: weather.forecastUrl },
            network: { allowHosts: [new URL(weather.forecastUrl).host] },
          }
        : plugin,
    ),
  };
  const database = uniqueName('edge_obs');
  host = await startTestHost(
    {
      ...fakeModelEnv(fake),
      MONGODB_URL: mongoUrlWithDatabase(database),
      MONGODB_DATABASE: database,
      REDIS_URL: requireRedisUrl(),
      REDIS_KEY_PREFIX: redisPrefix,
      AUTH_DISABLED: 'true',
    },
    { pluginsConfig },
  );
});

afterAll(async () => {
  await host?.close();
  await weather?.close();
  await fake?.close();
  await tracing?.shutdown();
  const cleaner = new Redis(requireRedisUrl());
  const keys = await cleaner.keys(`${redisPrefix}*`);
  if (keys.length > 0) await cleaner.del(...keys);
  await cleaner.quit();
});

function named(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = named(spans, name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${spans.map((span) => span.name).join(', ')}`);
  return found[0]!;
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('the span tree of a chat turn with a tool call', () => {
  it('nests session resolution, store operations, model calls and the tool call under the Twirp span of the HTTP request', async () => {
    const first = await twirpJson(host.url, 'ContinueConversation', { message: 'What is the weather in London?', session_metadata: SESSION });
    expect(first.status).toBe(200);
    await tracing.forceFlush();
    exporter.reset();
    weather.requests.length = 0;

    const turn = await twirpJson(
      host.url,
      'ContinueConversation',
      { message: 'And the weather in Paris?', session_metadata: SESSION },
      { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` },
    );
    expect(turn.status).toBe(200);
    expect(turn.body.conversation_id).toBe(first.body.conversation_id);
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === CALLER_TRACE_ID);

    const server = only(spans, 'POST /twirp/acai.chat.ChatService/ContinueConversation');
    const rpc = only(spans, 'acai.chat.ChatService/ContinueConversation');
    const session = only(spans, 'session.resolve');
    const load = only(spans, 'store.get');
    const append = only(spans, 'store.append');
    const modelCalls = named(spans, `chat ${CHAT_MODEL}`);
    const tool = only(spans, 'execute_tool get_current_weather');

    expect(server.kind).toBe(SpanKind.SERVER);
    expect(parentOf(server)).toBe(CALLER_SPAN_ID);
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/twirp/acai.chat.ChatService/ContinueConversation', 'http.response.status_code': 200 });
    expect(parentOf(rpc)).toBe(idOf(server));
    expect(rpc.attributes).toMatchObject({ 'rpc.system': 'twirp', 'rpc.service': 'acai.chat.ChatService', 'rpc.method': 'ContinueConversation', 'acai.tenant.id': 'default' });
    for (const child of [session, load, append, tool, ...modelCalls]) expect(parentOf(child), child.name).toBe(idOf(rpc));

    // The conversation was found through Redis (it was bound by the first turn).
    expect(session.attributes).toMatchObject({ 'acai.session.source': 'redis', 'acai.session.is_new': false });
    expect(load.attributes).toMatchObject({ 'db.system.name': 'mongodb', 'db.operation.name': 'get' });
    expect(append.attributes).toMatchObject({ 'db.system.name': 'mongodb', 'db.operation.name': 'append' });

    // Two model calls: one asking for the tool, one answering with its result (GenAI conventions).
    expect(modelCalls).toHaveLength(2);
    const [asking, answering] = [...modelCalls].sort((left, right) => left.startTime[0] - right.startTime[0] || left.startTime[1] - right.startTime[1]);
    expect(asking!.kind).toBe(SpanKind.CLIENT);
    expect(asking!.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': CHAT_MODEL,
      'gen_ai.response.model': CHAT_MODEL,
      'gen_ai.usage.input_tokens': 300,
      'gen_ai.usage.output_tokens': 9,
      'gen_ai.response.finish_reasons': ['tool_calls'],
    });
    expect(answering!.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 321, 'gen_ai.usage.output_tokens': 12, 'gen_ai.response.finish_reasons': ['stop'] });

    // The tool call, between the two model calls, with plugin provenance and breaker state.
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_current_weather',
      'acai.plugin.name': 'weather',
      'acai.plugin.version': '1.0.0',
      'acai.tool.name': 'get_current_weather',
      'acai.tool.outcome': 'ok',
      'acai.breaker.state': 'closed',
    });

    // The trace context reached the plugin: its request to the weather API carries the tool span.
    const upstream = weather.requests.filter((request) => request.path === '/v1/forecast' || request.path === '/v1/search');
    expect(upstream.length).toBeGreaterThan(0);
    for (const request of upstream) expect(request.headers.traceparent).toBe(`00-${CALLER_TRACE_ID}-${idOf(tool)}-01`);
  });

  it('starts its own trace when the client sends none, and records a failed model call on its span', async () => {
    exporter.reset();
    fake.enqueueFor(CHAT_MODEL, { type: 'error', status: 400, message: 'bad request from the fake' });
    const failed = await twirpJson(host.url, 'StartConversation', { message: 'What is the weather in London?' });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    const rpc = only(spans, 'acai.chat.ChatService/StartConversation');
    expect(rpc.spanContext().traceId).not.toBe(CALLER_TRACE_ID);
    const modelCall = named(spans, `chat ${CHAT_MODEL}`).find((span) => span.spanContext().traceId === rpc.spanContext().traceId);
    expect(modelCall?.status.code).toBe(2);
    expect(modelCall?.events.some((event) => event.name === 'exception')).toBe(true);
  });
});

describe('the Prometheus exposition after chat traffic', () => {
  it('covers HTTP RED, model, tool, breaker, cache, session and process metrics and passes promtool', async () => {
    // The same opener twice: the second title comes from the cache.
    for (let index = 0; index < 2; index += 1) {
      expect((await twirpJson(host.url, 'StartConversation', { message: 'Cache this opener, please' })).status).toBe(200);
    }
    const response = await fetch(`${host.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const expected = [
      /^acai_http_requests_total\{route="\/twirp\/acai\.chat\.ChatService\/ContinueConversation",method="POST",status="200"\} \d+/m,
      /^acai_http_requests_total\{route="\/twirp\/acai\.chat\.ChatService\/StartConversation",method="POST",status="500"\} \d+/m,
      /^acai_http_request_duration_seconds_bucket\{le="0\.005",route="\/twirp\/acai\.chat\.ChatService\/StartConversation",method="POST"\} \d+/m,
      /^acai_model_requests_total\{model="fake-chat",outcome="ok"\} \d+/m,
      /^acai_model_requests_total\{model="fake-chat",outcome="error"\} \d+/m,
      /^acai_model_request_duration_seconds_count\{model="fake-chat"\} \d+/m,
      /^acai_model_tokens_total\{model="fake-chat",type="output"\} \d+/m,
      /^acai_tool_calls_total\{plugin="weather",tool="get_current_weather",outcome="ok"\} \d+/m,
      /^acai_tool_call_duration_seconds_count\{plugin="weather",tool="get_current_weather"/m,
      /^acai_plugin_breaker_state\{plugin="weather"\} 0/m,
      /^acai_cache_requests_total\{cache="title",result="hit"\} [1-9]/m,
      /^acai_cache_requests_total\{cache="title",result="miss"\} [1-9]/m,
      /^acai_cache_requests_total\{cache="plugin",result="(hit|miss)"\} [1-9]/m,
      /^acai_session_resolutions_total\{source="redis"\} [1-9]/m,
      /^acai_session_resolutions_total\{source="new"\} [1-9]/m,
      /^process_cpu_seconds_total \d/m,
      /^process_resident_memory_bytes \d/m,
      /^nodejs_eventloop_lag_seconds \d/m,
      /^nodejs_heap_size_used_bytes \d/m,
    ];
    for (const pattern of expected) expect(text, String(pattern)).toMatch(pattern);
    // Bounded labels only: no conversation ids, user ids or raw URLs.
    expect(text).not.toMatch(/visitor-7|tab-3|[0-9a-f]{24}/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });
});
