import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { createTokenCounter, type Completion, type ModelClient } from '../llm/index.js';
import { createTenantQuotas } from '../rate-limit/index.js';
import type { ConversationStore } from '../storage/index.js';
import type { ToolCallOptions, ToolCallResult, ToolExecutor } from '../tool-calls/index.js';
import { createMetrics, type HostMetrics } from './create-metrics.js';
import { instrumentConversationStore } from './instrument-conversation-store.js';
import { instrumentModelClient } from './instrument-model-client.js';
import { instrumentToolExecutor } from './instrument-tool-executor.js';
import { startTracing, type Tracing } from './start-tracing.js';
import { tracingActive } from './with-span.js';

// One file on purpose: the global tracer provider is per process. The model, tool and store decorators
// skip their span layer while no provider is registered; this checks that every metric and result stays
// the same without it, and that spans with their attributes come back once a provider is registered.

const COMPLETION: Completion = { content: 'hi', toolCalls: [], finishReason: 'stop', usage: { promptTokens: 30, completionTokens: 4 }, model: 'm-2026', attempts: 1 };

/** A model client answering from a script: a completion, or an error to throw. */
function scriptedModel(script: Array<Completion | Error>): ModelClient {
  return {
    isConfigured: true,
    model: 'm',
    tokenCounter: createTokenCounter('m'),
    complete: async () => {
      const next = script.shift();
      if (next === undefined || next instanceof Error) throw next ?? new Error('script exhausted');
      return next;
    },
  };
}

async function metricValues(metrics: HostMetrics): Promise<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const metric of [metrics.modelRequests, metrics.modelTokens]) {
    for (const { labels, value } of (await metric.get()).values) values[Object.values(labels).join(':')] = value;
  }
  for (const { labels, value, metricName } of (await metrics.modelRequestDuration.get()).values) {
    if (metricName?.endsWith('_count')) values[`duration:${String(labels.model)}`] = value;
  }
  return values;
}

const call = { signal: new AbortController().signal, deadline: Date.now() + 60_000 };
const toolOptions: ToolCallOptions = { signal: new AbortController().signal, callId: 'call-1', tenantId: 'acme', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const PROVENANCE = { plugin: 'probe', pluginVersion: '1.2.3', tool: 'get_version' };

/** A tool executor that records the options each call got. */
function recordingExecutor(seen: ToolCallOptions[]): ToolExecutor & { breakerState(): string } {
  return {
    listModelTools: () => [],
    describeTool: (name) => (name === 'probe__get_version' ? PROVENANCE : undefined),
    callTool: async (exposedName, _rawArguments, options): Promise<ToolCallResult> => {
      seen.push(options);
      return { exposedName, plugin: { name: 'probe', version: '1.2.3' }, tool: 'get_version', outcome: 'ok', content: '"1.2.3"', durationMs: 1 };
    },
    breakerState: () => 'closed',
  };
}

let tracing: Tracing | undefined;
afterAll(() => tracing?.shutdown());

describe('telemetry decorators without a tracer provider', () => {
  it('counts model calls, tokens and durations and passes results and errors through unchanged', async () => {
    expect(tracingActive()).toBe(false);
    const metrics = createMetrics();
    const timeout = new HostError('HOST_DEADLINE_EXCEEDED', 'too slow');
    const model = instrumentModelClient(scriptedModel([COMPLETION, timeout, new Error('boom')]), metrics);
    await expect(model.complete({ purpose: 'reply', messages: [] }, call)).resolves.toBe(COMPLETION);
    await expect(model.complete({ purpose: 'reply', messages: [] }, call)).rejects.toBe(timeout);
    await expect(model.complete({ purpose: 'reply', messages: [] }, call)).rejects.toThrow('boom');
    expect(await metricValues(metrics)).toEqual({ 'm:ok': 1, 'm:timeout': 1, 'm:error': 1, 'm:input': 30, 'm:output': 4, 'duration:m': 3 });
  });

  it('hands the tool call its own options and still applies the tenant quota', async () => {
    const seen: ToolCallOptions[] = [];
    const tools = instrumentToolExecutor(recordingExecutor(seen), createTenantQuotas({ modelTokensPerMinute: 0, toolCallsPerMinute: 1 }));
    await expect(tools.callTool('probe__get_version', '{}', toolOptions)).resolves.toMatchObject({ outcome: 'ok' });
    expect(seen).toEqual([toolOptions]);
    await expect(tools.callTool('probe__get_version', '{}', toolOptions)).resolves.toMatchObject({ outcome: 'rate_limited', error: { code: 'RATE_LIMITED' } });
    expect(seen).toHaveLength(1);
    // A describeTool that throws still fails the call as a rejection, as from the async decorator before.
    const broken = instrumentToolExecutor({ ...recordingExecutor(seen), describeTool: () => { throw new Error('registry gone'); } }, undefined);
    const rejected = broken.callTool('probe__get_version', '{}', toolOptions);
    expect(rejected).toBeInstanceOf(Promise);
    await expect(rejected).rejects.toThrow('registry gone');
  });

  it('passes store results and failures through, a synchronous throw as a rejection', async () => {
    const failure = new Error('disk gone');
    const store = instrumentConversationStore({
      kind: 'embedded',
      list: async () => ({ conversations: [] }),
      get: () => {
        throw failure;
      },
    } as unknown as ConversationStore);
    await expect(store.list('acme', { pageSize: 1 })).resolves.toEqual({ conversations: [] });
    const rejected = store.get('acme', 'x');
    expect(rejected).toBeInstanceOf(Promise);
    await expect(rejected).rejects.toBe(failure);
  });
});

describe('the same decorators once a provider is registered', () => {
  it('record model, tool and store spans with their attributes, and the caller span as the tool traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    tracing = startTracing({ serviceName: 'decorators-test', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(tracingActive()).toBe(true);
    const metrics = createMetrics();
    const model = instrumentModelClient(scriptedModel([COMPLETION, new HostError('HOST_RATE_LIMITED', 'slow down')]), metrics);
    await model.complete({ purpose: 'reply', messages: [] }, call);
    await expect(model.complete({ purpose: 'reply', messages: [] }, call)).rejects.toThrow('slow down');
    const seen: ToolCallOptions[] = [];
    await instrumentToolExecutor(recordingExecutor(seen), undefined).callTool('probe__get_version', '{}', toolOptions);
    await instrumentConversationStore({ kind: 'embedded', list: async () => ({ conversations: [] }) } as unknown as ConversationStore).list('acme', { pageSize: 1 });
    await tracing.forceFlush();

    const spans = exporter.getFinishedSpans();
    const [answered, failed] = spans.filter((span) => span.name === 'chat m');
    expect(answered?.attributes).toEqual({
      'gen_ai.system': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'm',
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.response.model': 'm-2026',
    });
    expect(failed?.status.code).toBe(2);
    const tool = spans.find((span) => span.name === 'execute_tool get_version');
    expect(tool?.attributes).toMatchObject({ 'acai.plugin.name': 'probe', 'acai.plugin.version': '1.2.3', 'acai.tool.outcome': 'ok', 'acai.breaker.state': 'closed' });
    // The plugin joins the trace under the tool span, not under the caller's traceparent.
    expect(seen[0]?.traceparent).toBe(`00-${tool!.spanContext().traceId}-${tool!.spanContext().spanId}-01`);
    expect(spans.find((span) => span.name === 'store.list')?.attributes).toEqual({ 'db.system.name': 'sqlite', 'db.operation.name': 'list' });
    expect(await metricValues(metrics)).toMatchObject({ 'm:ok': 1, 'm:rate_limited': 1, 'duration:m': 2 });
  });
});
