import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { definePlugin, defineTool } from '@acai/plugin-sdk';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePluginsConfig } from '../config/plugins-config.js';
import { loadTestPlugins, type TestPluginHost } from '../plugin-host/__fixtures__/test-plugin-packages.js';
import { ReloadablePluginHost } from '../plugin-host/reload/index.js';
import { createTenantQuotas } from '../rate-limit/index.js';
import type { ToolCallOptions } from '../tool-calls/index.js';
import { instrumentToolExecutor } from './instrument-tool-executor.js';
import { startTracing, type Tracing } from './start-tracing.js';

// The one tool-call decorator over a real plugin host (an SDK-defined plugin through the real loader):
// spans, the tenant quota, and plugin versions that follow a reload.

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = startTracing({ serviceName: 'tool-executor-test', env: {}, spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const hosts: TestPluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((loaded) => loaded.close()));
});

const NO_ARGUMENTS = { type: 'object', properties: {}, required: [], additionalProperties: false } as const;
let executions = 0;

async function loadProbe(version = '1.0.0'): Promise<TestPluginHost> {
  const definition = definePlugin({
    name: 'probe',
    description: 'Answers with its version',
    tools: [
      defineTool({
        name: 'get_version',
        description: 'The plugin version',
        parameters: NO_ARGUMENTS,
        execute: (_args, context) => {
          executions += 1;
          return context.plugin.version;
        },
      }),
    ],
  });
  const loaded = await loadTestPlugins({ probe: { definition, version } }, [{ name: 'probe', path: './probe', policy: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } }]);
  hosts.push(loaded);
  return loaded;
}

function options(tenantId = 'acme'): ToolCallOptions {
  return { signal: new AbortController().signal, callId: `call-${executions}`, tenantId };
}

async function toolSpans() {
  await tracing.forceFlush();
  return exporter.getFinishedSpans().filter((span) => span.name.startsWith('execute_tool'));
}

describe('instrumentToolExecutor', () => {
  it('runs each call in an execute_tool span naming plugin, version, tool, outcome and breaker state', async () => {
    const { host } = await loadProbe('1.4.0');
    const tools = instrumentToolExecutor(host, undefined);
    expect(tools.listModelTools()).toBe(host.listModelTools());
    expect(tools.describeTool('probe__get_version')).toEqual({ plugin: 'probe', pluginVersion: '1.4.0', tool: 'get_version' });
    expect(await tools.callTool('probe__get_version', '{}', options())).toMatchObject({ outcome: 'ok', content: '1.4.0' });
    const [span] = await toolSpans();
    expect(span?.name).toBe('execute_tool get_version');
    expect(span?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_version',
      'acai.plugin.name': 'probe',
      'acai.plugin.version': '1.4.0',
      'acai.tool.outcome': 'ok',
      'acai.breaker.state': 'closed',
    });
  });

  it('passes a call of an unknown tool through without a span', async () => {
    const { host } = await loadProbe();
    expect((await instrumentToolExecutor(host, undefined).callTool('probe__nope', '{}', options())).outcome).toBe('unknown_tool');
    expect(await toolSpans()).toEqual([]);
  });

  it('answers a tenant over its tool quota with a readable rate-limited result, without running the tool', async () => {
    const { host } = await loadProbe('1.0.0');
    const tools = instrumentToolExecutor(host, createTenantQuotas({ toolCallsPerMinute: 1, modelTokensPerMinute: 0 }));
    expect((await tools.callTool('probe__get_version', '{}', options('acme'))).outcome).toBe('ok');
    const before = executions;
    const limited = await tools.callTool('probe__get_version', '{}', options('acme'));
    expect(limited).toMatchObject({ outcome: 'rate_limited', plugin: { name: 'probe', version: '1.0.0' }, tool: 'get_version', error: { code: 'RATE_LIMITED' } });
    expect(JSON.parse(limited.content)).toEqual({ error: limited.error });
    expect(limited.error?.message).toMatch(/^rate-limited: the call quota for probe__get_version is used up for now; retry in about \d+ s or answer without it$/);
    expect(executions).toBe(before);
    // Quotas are per tenant.
    expect((await tools.callTool('probe__get_version', '{}', options('other'))).outcome).toBe('ok');
    expect((await toolSpans()).map((span) => span.attributes['acai.tool.outcome'])).toEqual(['ok', 'rate_limited', 'ok']);
  });

  it('names the plugin version serving now after a reload swapped the plugin set', async () => {
    const versions = ['1.0.0', '2.0.0'];
    const config = parsePluginsConfig({ plugins: [] }, { path: join(tmpdir(), 'plugins.config.json'), env: {} });
    const reloadable = await ReloadablePluginHost.start(
      { readConfig: async () => config, loadSet: async () => (await loadProbe(versions.shift())).host, logger: pino({ enabled: false }) },
      config,
    );
    try {
      const tools = instrumentToolExecutor(reloadable, undefined);
      expect(await tools.callTool('probe__get_version', '{}', options())).toMatchObject({ content: '1.0.0' });
      await reloadable.reload('admin');
      expect(tools.describeTool('probe__get_version')?.pluginVersion).toBe('2.0.0');
      expect(await tools.callTool('probe__get_version', '{}', options())).toMatchObject({ content: '2.0.0', plugin: { version: '2.0.0' } });
      expect((await toolSpans()).map((span) => span.attributes['acai.plugin.version'])).toEqual(['1.0.0', '2.0.0']);
    } finally {
      await reloadable.dispose();
    }
  });
});
