import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { startTracing } from './start-tracing.js';
import { tracingPlugin } from './tracing-plugin.js';
import { currentTraceHeaders, tracingActive, withSpan } from './with-span.js';

// One file on purpose: the global tracer provider is per process, and this file needs it unset first.
describe('withSpan without a tracer provider (tracing off)', () => {
  it('runs the function with a non-recording span, returns its value and passes its errors on', async () => {
    expect(tracingActive()).toBe(false);
    let seen: boolean | undefined;
    await expect(
      withSpan('store.get', { 'db.system.name': 'sqlite' }, (span) => {
        seen = span.isRecording();
        span.setAttribute('ignored', 1);
        return 42;
      }),
    ).resolves.toBe(42);
    expect(seen).toBe(false);
    await expect(withSpan('store.get', {}, async () => Promise.reject(new Error('async failure')))).rejects.toThrow('async failure');
    // A synchronous throw becomes a rejection, as from the async wrapper it replaces.
    const thrown = withSpan('store.get', {}, () => {
      throw new Error('sync failure');
    });
    expect(thrown).toBeInstanceOf(Promise);
    await expect(thrown).rejects.toThrow('sync failure');
    expect(currentTraceHeaders()).toEqual({});
  });

  it('leaves requests alone in the tracing plugin, then traces once a provider is registered', async () => {
    const app = Fastify();
    await app.register(tracingPlugin);
    app.get('/twirp/acai.chat.v1.ChatService/Ping', async () => withSpan('inner', {}, async () => trace.getActiveSpan()?.isRecording() ?? false));
    const off = await app.inject({ method: 'GET', url: '/twirp/acai.chat.v1.ChatService/Ping', headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toBe(false);

    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: 'acai-test', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    try {
      expect(tracingActive()).toBe(true);
      const on = await app.inject({ method: 'GET', url: '/twirp/acai.chat.v1.ChatService/Ping' });
      expect(on.json()).toBe(true);
      await tracing.forceFlush();
      expect(exporter.getFinishedSpans().map((span) => span.name).sort()).toEqual(['GET /twirp/acai.chat.v1.ChatService/Ping', 'acai.chat.v1.ChatService/Ping', 'inner'].sort());
    } finally {
      await tracing.shutdown();
      await app.close();
    }
  });
});
