import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countCacheLookups } from '../cache/count-cache-lookups.js';
import { MemoryKeyValueStore } from '../cache/memory-key-value-store.js';
import type { ConversationStore } from '../storage/index.js';
import { instrumentConversationStore } from './instrument-conversation-store.js';
import { startTracing, type Tracing } from './start-tracing.js';
import { withSpan } from './with-span.js';
import { withTraceContextFetch } from './with-trace-context-fetch.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'decorators-test', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

describe('withTraceContextFetch', () => {
  const seen: Headers[] = [];
  const recordingFetch = (async (_input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    seen.push(new Headers(init?.headers));
    return new Response('ok');
  }) as typeof fetch;
  const traced = withTraceContextFetch(recordingFetch);

  it('adds the active span’s traceparent, keeping the caller’s own headers', async () => {
    seen.length = 0;
    let spanId = '';
    await withSpan('outer', {}, async (span) => {
      spanId = span.spanContext().spanId;
      await traced('http://upstream.test/x', { headers: { accept: 'application/json' } });
    });
    expect(seen[0]?.get('traceparent')).toMatch(new RegExp(`^00-[0-9a-f]{32}-${spanId}-01$`));
    expect(seen[0]?.get('accept')).toBe('application/json');
  });

  it('never overwrites a traceparent the caller set, and sends nothing extra outside a span', async () => {
    seen.length = 0;
    await withSpan('outer', {}, () => traced('http://upstream.test/x', { headers: { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' } }));
    await traced('http://upstream.test/y');
    expect(seen[0]?.get('traceparent')).toBe('00-11111111111111111111111111111111-2222222222222222-01');
    expect(seen[1]?.has('traceparent')).toBe(false);
  });
});

describe('instrumentConversationStore', () => {
  it('runs each operation in a store.<operation> span, records failures and rethrows them unchanged', async () => {
    const failure = new Error('store down');
    const store = {
      kind: 'mongodb',
      list: async () => ({ conversations: [] }),
      get: async () => {
        throw failure;
      },
      ping: async () => {},
    } as unknown as ConversationStore;
    const traced = instrumentConversationStore(store);
    expect(traced.kind).toBe('mongodb');
    await expect(traced.list('tenant', { pageSize: 1 })).resolves.toEqual({ conversations: [] });
    await expect(traced.get('tenant', 'x')).rejects.toBe(failure);
    await traced.ping();
    await tracing.forceFlush();
    // Only the store's spans (spans of earlier tests may still be arriving).
    const spans = exporter.getFinishedSpans().filter((span) => span.name.startsWith('store.'));
    expect(spans.map((span) => span.name).sort()).toEqual(['store.get', 'store.list']);
    const get = spans.find((span) => span.name === 'store.get')!;
    expect(get.attributes).toMatchObject({ 'db.system.name': 'mongodb', 'db.operation.name': 'get' });
    expect(get.status.code).toBe(2);
  });
});

describe('countCacheLookups', () => {
  it('counts hits, misses and errors under the cache name and leaves the shared store open', async () => {
    const counts: string[] = [];
    const store = new MemoryKeyValueStore();
    const view = countCacheLookups(store, { inc: ({ cache, result }) => void counts.push(`${cache}:${result}`) }, 'title');
    await view.set('k', 'v', 60);
    expect(await view.get('k')).toBe('v');
    expect(await view.get('absent')).toBeUndefined();
    const broken = countCacheLookups(
      { ...store, kind: 'redis', get: async () => Promise.reject(new Error('down')) } as unknown as MemoryKeyValueStore,
      { inc: ({ cache, result }) => void counts.push(`${cache}:${result}`) },
      'plugin',
    );
    await expect(broken.get('k')).rejects.toThrow('down');
    expect(counts).toEqual(['title:hit', 'title:miss', 'plugin:error']);
    await view.close();
    expect(await store.get('k')).toBe('v');
  });
});
