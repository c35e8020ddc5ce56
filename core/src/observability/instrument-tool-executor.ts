import type { ToolCallResult, ToolExecutor } from '../chat/index.js';
import type { PluginHost } from '../plugin-host/index.js';
import type { TenantQuotas } from '../rate-limit/index.js';
import { recordToolOutcome, withToolCallSpan } from './gen-ai-spans.js';
import { currentTraceparent } from './with-span.js';

/** What the decorator needs to know about registered tools and plugins (the plugin host fits). */
export interface ToolCatalog {
  listTools(): readonly { exposedName: string; plugin: string; pluginVersion: string; tool: string }[];
  /** For the breaker state recorded on each tool span. */
  breakerState?(pluginName: string): string | undefined;
}

/**
 * Wraps the plugin host's call path for chat turns: an `execute_tool` span per call (plugin name
 * and version, tool, outcome, the plugin's breaker state after the call), whose traceparent is what
 * the plugin receives, and the per-tenant × tool quota, which a model sees as a readable
 * "rate-limited, retry later" result instead of the request failing.
 */
export function instrumentToolExecutor(executor: ToolExecutor, catalog: ToolCatalog, quotas?: TenantQuotas): ToolExecutor {
  let byName = new Map<string, { plugin: string; pluginVersion: string; tool: string }>();
  const lookup = (exposedName: string) => {
    let info = byName.get(exposedName);
    if (info === undefined) {
      // The tool set changes only on (re)load; rebuild the index on a miss instead of per call.
      byName = new Map(catalog.listTools().map((entry) => [entry.exposedName, entry]));
      info = byName.get(exposedName);
    }
    return info;
  };

  return {
    listModelTools: () => executor.listModelTools(),
    describeTool(exposedName) {
      const info = lookup(exposedName);
      return info === undefined ? undefined : { plugin: info.plugin, pluginVersion: info.pluginVersion };
    },
    async callTool(exposedName, rawArguments, options) {
      const info = lookup(exposedName);
      if (info === undefined) return executor.callTool(exposedName, rawArguments, options);
      return withToolCallSpan({ plugin: info.plugin, pluginVersion: info.pluginVersion, tool: info.tool }, async (span) => {
        if (quotas) {
          const decision = await quotas.checkToolQuota(options.tenantId, exposedName);
          if (!decision.allowed) {
            recordToolOutcome(span, 'rate_limited');
            return rateLimitedResult(exposedName, info, decision.retryAfterSeconds);
          }
        }
        // The plugin joins the trace under this span rather than under the RPC span.
        const traceparent = currentTraceparent() ?? options.traceparent;
        const result = await executor.callTool(exposedName, rawArguments, traceparent === undefined ? options : { ...options, traceparent });
        recordToolOutcome(span, result.outcome, catalog.breakerState?.(info.plugin) ?? (result.outcome === 'breaker_open' ? 'open' : undefined));
        return result;
      });
    },
  };
}

function rateLimitedResult(
  exposedName: string,
  info: { plugin: string; pluginVersion: string; tool: string },
  retryAfterSeconds: number,
): ToolCallResult {
  const message = `rate-limited: the call quota for ${exposedName} is used up for now; retry in about ${Math.max(1, Math.ceil(retryAfterSeconds))} s or answer without it`;
  return {
    exposedName,
    plugin: { name: info.plugin, version: info.pluginVersion },
    tool: info.tool,
    outcome: 'rate_limited',
    content: JSON.stringify({ error: { code: 'RATE_LIMITED', message } }),
    error: { code: 'RATE_LIMITED', message },
    durationMs: 0,
  };
}

/**
 * The plugin host as every tool caller uses it (the chat loop, the MCP server): its call path behind
 * tracing spans and tenant tool quotas. The span decorator indexes tools by name once; a reloadable
 * host's generation changing rebuilds it, which keeps the plugin version on spans right after an
 * upgrade that kept the tool's name.
 */
export function instrumentPluginHost(pluginHost: PluginHost & { readonly generation?: number }, quotas: TenantQuotas | undefined): ToolExecutor {
  // The host's tool specs are JSON Schema objects (the strict lint guarantees an object root).
  const host = pluginHost as unknown as ToolExecutor;
  let generation = pluginHost.generation;
  let instrumented = instrumentToolExecutor(host, pluginHost, quotas);
  const current = (): ToolExecutor => {
    if (pluginHost.generation !== generation) {
      generation = pluginHost.generation;
      instrumented = instrumentToolExecutor(host, pluginHost, quotas);
    }
    return instrumented;
  };
  return {
    listModelTools: () => pluginHost.listModelTools() as ReturnType<ToolExecutor['listModelTools']>,
    describeTool: (exposedName) => current().describeTool?.(exposedName),
    callTool: (exposedName, rawArguments, options) => current().callTool(exposedName, rawArguments, options),
  };
}
