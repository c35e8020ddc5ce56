import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACAI_BREAKER_STATE,
  ACAI_PLUGIN_NAME,
  ACAI_TOOL_OUTCOME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  recordModelResult,
  recordToolOutcome,
  withModelCallSpan,
  withToolCallSpan,
} from './gen-ai-spans.js';
import { otlpTracesUrl, startTracing, type Tracing } from './start-tracing.js';
import { parseTwirpPath, tracingPlugin } from './tracing-plugin.js';
import { currentTraceparent, withSpan } from './with-span.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;

beforeAll(() => {
  tracing = startTracing({ serviceName: 'acai-test', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((candidate) => candidate.name === name);
  if (!span) throw new Error(`no span named ${name}; have ${spans.map((candidate) => candidate.name).join(', ')}`);
  return span;
}

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('tracingPlugin', () => {
  it('builds the span tree of a chat turn with a tool call, continuing the caller’s traceparent', async () => {
    const app = Fastify();
    await app.register(tracingPlugin);
    let pluginTraceparent: string | undefined;
    app.post('/twirp/acai.chat.v1.ChatService/:method', async () => {
      await withSpan('session.resolve', { 'acai.session.source': 'redis' }, async () => {});
      await withSpan('store.append', { 'db.system.name': 'mongodb' }, async () => {});
      await withModelCallSpan({ system: 'openai', model: 'gpt-4o-mini' }, async (span) => {
        recordModelResult(span, { inputTokens: 120, outputTokens: 7, finishReasons: ['tool_calls'] });
      });
      await withToolCallSpan({ plugin: 'weather', pluginVersion: '1.2.0', tool: 'get_current_weather' }, async (span) => {
        pluginTraceparent = currentTraceparent();
        recordToolOutcome(span, 'ok', 'closed');
      });
      return { reply: 'sunny' };
    });

    const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const response = await app.inject({
      method: 'POST',
      url: '/twirp/acai.chat.v1.ChatService/SendMessage',
      headers: { 'content-type': 'application/json', traceparent: `00-${callerTraceId}-${callerSpanId}-01` },
      payload: { message: 'weather in Paris?' },
    });
    await app.close();
    await tracing.forceFlush();
    expect(response.statusCode).toBe(200);

    const spans = exporter.getFinishedSpans();
    const server = byName(spans, 'POST /twirp/acai.chat.v1.ChatService/:method');
    const rpc = byName(spans, 'acai.chat.v1.ChatService/SendMessage');
    const session = byName(spans, 'session.resolve');
    const store = byName(spans, 'store.append');
    const model = byName(spans, 'chat gpt-4o-mini');
    const tool = byName(spans, 'execute_tool get_current_weather');

    expect(spans.every((span) => span.spanContext().traceId === callerTraceId)).toBe(true);
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(parentOf(server)).toBe(callerSpanId);
    expect(parentOf(rpc)).toBe(server.spanContext().spanId);
    for (const child of [session, store, model, tool]) expect(parentOf(child)).toBe(rpc.spanContext().spanId);

    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/twirp/acai.chat.v1.ChatService/:method', 'http.response.status_code': 200 });
    expect(rpc.attributes).toMatchObject({ 'rpc.system': 'twirp', 'rpc.service': 'acai.chat.v1.ChatService', 'rpc.method': 'SendMessage' });
    expect(model.kind).toBe(SpanKind.CLIENT);
    expect(model.attributes).toMatchObject({
      'gen_ai.system': 'openai',
      [GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
      [GEN_AI_USAGE_INPUT_TOKENS]: 120,
      [GEN_AI_USAGE_OUTPUT_TOKENS]: 7,
      [GEN_AI_RESPONSE_FINISH_REASONS]: ['tool_calls'],
    });
    expect(tool.attributes).toMatchObject({ [ACAI_PLUGIN_NAME]: 'weather', 'acai.plugin.version': '1.2.0', 'acai.tool.name': 'get_current_weather', [ACAI_TOOL_OUTCOME]: 'ok', [ACAI_BREAKER_STATE]: 'closed' });
    expect(pluginTraceparent).toBe(`00-${callerTraceId}-${tool.spanContext().spanId}-01`);
  });

  it('starts a new trace without a traceparent and marks 5xx responses as errors', async () => {
    const app = Fastify();
    await app.register(tracingPlugin);
    app.get('/boom', async () => {
      throw new Error('kaput');
    });
    const response = await app.inject({ method: 'GET', url: '/boom' });
    await app.close();
    await tracing.forceFlush();
    expect(response.statusCode).toBe(500);
    const [server] = exporter.getFinishedSpans();
    expect(server?.name).toBe('GET /boom');
    expect(server?.parentSpanContext).toBeUndefined();
    expect(server?.status.code).toBe(2);
    expect(server?.events.some((event) => event.name === 'exception')).toBe(true);
  });

  it('names unmatched routes by method only', async () => {
    const app = Fastify();
    await app.register(tracingPlugin);
    await app.inject({ method: 'GET', url: '/no/such/path/123' });
    await app.close();
    await tracing.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET']);
  });
});

describe('withSpan', () => {
  it('records failures and rethrows', async () => {
    await expect(withSpan('store.get', {}, async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await tracing.forceFlush();
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(2);
  });
});

describe('parseTwirpPath', () => {
  it('reads service and method after any prefix', () => {
    expect(parseTwirpPath('/twirp/acai.chat.v1.ChatService/ListConversations')).toEqual({ service: 'acai.chat.v1.ChatService', method: 'ListConversations' });
    expect(parseTwirpPath('/api/twirp/x.Y/Z')).toEqual({ service: 'x.Y', method: 'Z' });
    expect(parseTwirpPath('/healthz')).toBeUndefined();
  });
});

describe('startTracing', () => {
  it('stays off without an endpoint or when disabled', async () => {
    const off = startTracing({ serviceName: 'x', env: {} });
    expect(off.isEnabled).toBe(false);
    expect(startTracing({ serviceName: 'x', env: { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' } }).isEnabled).toBe(false);
    await off.shutdown();
  });

  it('derives the OTLP/HTTP traces URL from the standard variables', () => {
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b/traces' })).toBe('http://b/traces');
    expect(otlpTracesUrl({})).toBeUndefined();
  });
});
