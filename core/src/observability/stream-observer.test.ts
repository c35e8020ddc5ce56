import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ContinueChatStreamRequestSchema } from '../rpc/generated/chat_pb.js';
import { ChatService, twirpPlugin, type ChatServiceImplementation, type ServerStreamMethod } from '../rpc/index.js';
import { startTracing, type Tracing } from './start-tracing.js';
import { createStreamObserver } from './stream-observer.js';
import { tracingPlugin } from './tracing-plugin.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let app: FastifyInstance | undefined;
const ROUTE = '/twirp/acai.chat.ChatService/Stream';

beforeAll(() => {
  tracing = startTracing({ serviceName: 'acai-test', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(() => tracing.shutdown());
afterEach(async () => {
  await app?.close();
  exporter.reset();
});

/** A traced app with one server stream that fails after its first event when the message says so. */
async function serve(registry: Registry): Promise<string> {
  app = Fastify();
  await app.register(tracingPlugin);
  const unary = Object.fromEntries(ChatService.methods.map((method) => [method.localName, async () => ({})])) as unknown as ChatServiceImplementation;
  const method: ServerStreamMethod<typeof ContinueChatStreamRequestSchema> = {
    name: 'Stream',
    input: ContinueChatStreamRequestSchema,
    async handler(request, _context, events) {
      await events.send('first', {});
      if (request.message === 'fail') throw new Error('boom');
    },
  };
  await app.register(twirpPlugin, { service: ChatService, implementation: unary, streamObserver: createStreamObserver(registry), serverStreams: [method] });
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function stream(url: string, message: string): Promise<string> {
  const response = await fetch(`${url}${ROUTE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) });
  return response.text();
}

describe('createStreamObserver', () => {
  it('counts streams by route pattern and outcome, times them, and tracks how many are open', async () => {
    const registry = new Registry();
    const url = await serve(registry);
    await stream(url, 'fine');
    await stream(url, 'fail');
    await stream(url, 'fine');
    const text = await registry.metrics();
    expect(text).toContain(`acai_http_streams_total{route="${ROUTE}",outcome="ok"} 2`);
    expect(text).toContain(`acai_http_streams_total{route="${ROUTE}",outcome="internal"} 1`);
    expect(text).toContain(`acai_http_stream_duration_seconds_count{route="${ROUTE}",outcome="ok"} 2`);
    expect(text).toContain(`acai_http_streams_open{route="${ROUTE}"} 0`);
  });

  it('marks the RPC span of a stream that ended with an error event, which a 200 status alone would hide', async () => {
    const url = await serve(new Registry());
    // Spans of earlier tests may still be on their way to the exporter: only this test's count.
    const startedAt = performance.timeOrigin + performance.now();
    expect(await stream(url, 'fail')).toContain('event: error');
    await stream(url, 'fine');
    const streamSpans = () =>
      exporter.getFinishedSpans().filter((span) => span.name === 'acai.chat.ChatService/Stream' && span.startTime[0] * 1000 + span.startTime[1] / 1e6 >= startedAt);
    // A span ends in the server's onResponse hook, which may run after the client has read the last byte.
    await vi.waitFor(() => expect(streamSpans()).toHaveLength(2));
    const spans = streamSpans();
    expect(spans.map((span) => [span.attributes['acai.stream.outcome'], span.status.code])).toEqual([
      ['internal', SpanStatusCode.ERROR],
      ['ok', SpanStatusCode.UNSET],
    ]);
  });
});
