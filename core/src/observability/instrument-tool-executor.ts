import type { Span } from '@opentelemetry/api';
import type { TenantQuotas } from '../rate-limit/index.js';
import type { ToolCallOptions, ToolCallResult, ToolExecutor, ToolProvenance } from '../tool-calls/index.js';
import { recordToolOutcome, withToolCallSpan } from './gen-ai-spans.js';
import { currentTraceparent, tracingActive } from './with-span.js';

/** What the decorator can also read from the executor it wraps (the plugin host has it). */
export interface BreakerStateSource {
  /** A plugin's breaker state after a call, recorded on its span; undefined when the plugin is not loaded. */
  breakerState?(pluginName: string): string | undefined;
}

/**
 * The tool call path as every tool caller uses it (the chat loop, the MCP server): an `execute_tool`
 * span per call (plugin name and version, tool, outcome, the plugin's breaker state after the call),
 * whose traceparent is what the plugin receives, and the per-tenant × tool quota, which a model sees
 * as a readable "rate-limited, retry later" result instead of the request failing.
 *
 * Provenance comes from the executor's own describeTool (for the plugin host, its tool registry), so
 * there is no second index to keep fresh: after a reload the spans name the new plugin versions.
 */
export function instrumentToolExecutor(executor: ToolExecutor & BreakerStateSource, quotas: TenantQuotas | undefined): ToolExecutor {
  /** The quota check and the call; the outcome and breaker state go on the span when one records them. */
  const run = async (exposedName: string, rawArguments: string, options: ToolCallOptions, provenance: ToolProvenance, span: Span | undefined): Promise<ToolCallResult> => {
    if (quotas) {
      const decision = await quotas.checkToolQuota(options.tenantId, exposedName);
      if (!decision.allowed) {
        if (span !== undefined) recordToolOutcome(span, 'rate_limited');
        return rateLimitedResult(exposedName, provenance, decision.retryAfterSeconds);
      }
    }
    if (span === undefined) return executor.callTool(exposedName, rawArguments, options);
    // The plugin joins the trace under this span rather than under the RPC span.
    const traceparent = currentTraceparent() ?? options.traceparent;
    const result = await executor.callTool(exposedName, rawArguments, traceparent === undefined ? options : { ...options, traceparent });
    recordToolOutcome(span, result.outcome, executor.breakerState?.(provenance.plugin) ?? (result.outcome === 'breaker_open' ? 'open' : undefined));
    return result;
  };

  return {
    listModelTools: () => executor.listModelTools(),
    describeTool: (exposedName) => executor.describeTool(exposedName),
    callTool(exposedName, rawArguments, options) {
      try {
        const provenance = executor.describeTool(exposedName);
        if (provenance === undefined) return executor.callTool(exposedName, rawArguments, options);
        // Without a tracer provider the span records nothing and there is no traceparent to hand on:
        // skip its layer (a promise and a context switch per call). Checked per call, like withSpan.
        if (!tracingActive()) return run(exposedName, rawArguments, options, provenance, undefined);
        return withToolCallSpan(provenance, (span) => run(exposedName, rawArguments, options, provenance, span));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

function rateLimitedResult(exposedName: string, provenance: ToolProvenance, retryAfterSeconds: number): ToolCallResult {
  const message = `rate-limited: the call quota for ${exposedName} is used up for now; retry in about ${Math.max(1, Math.ceil(retryAfterSeconds))} s or answer without it`;
  return {
    exposedName,
    plugin: { name: provenance.plugin, version: provenance.pluginVersion },
    tool: provenance.tool,
    outcome: 'rate_limited',
    content: JSON.stringify({ error: { code: 'RATE_LIMITED', message } }),
    error: { code: 'RATE_LIMITED', message },
    durationMs: 0,
  };
}
