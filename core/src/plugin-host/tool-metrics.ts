import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Breaker states as the gauge reports them. */
export type BreakerState = 'closed' | 'half-open' | 'open';

const BREAKER_GAUGE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The plugin host's Prometheus metrics (labels: plugin, tool, outcome only; never user or conversation ids). */
export interface ToolMetrics {
  readonly calls: Counter<'plugin' | 'tool' | 'outcome'>;
  readonly duration: Histogram<'plugin' | 'tool'>;
  readonly validationFailures: Counter<'plugin' | 'tool'>;
  readonly breakerState: Gauge<'plugin'>;
  readonly bulkheadRejections: Counter<'plugin'>;
  /** Attempts at starting a plugin (import and setup, or an MCP server's initialize) by how they ended: started, timed_out (retried while attempts are left), failed. */
  readonly startAttempts: Counter<'plugin' | 'outcome'>;
}

/** Registers (or reuses, on reload) the plugin host's metrics on `registry`. */
export function createToolMetrics(registry: Registry): ToolMetrics {
  const reuse = <T>(name: string, create: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? create();
  return {
    calls: reuse(
      'acai_tool_calls_total',
      () => new Counter({ name: 'acai_tool_calls_total', help: 'Tool calls by plugin, tool and outcome.', labelNames: ['plugin', 'tool', 'outcome'], registers: [registry] }),
    ),
    duration: reuse(
      'acai_tool_call_duration_seconds',
      () =>
        new Histogram({
          name: 'acai_tool_call_duration_seconds',
          help: 'Duration of tool calls through the host call path, in seconds.',
          labelNames: ['plugin', 'tool'],
          buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    ),
    validationFailures: reuse(
      'acai_tool_argument_validation_failures_total',
      () =>
        new Counter({
          name: 'acai_tool_argument_validation_failures_total',
          help: 'Tool calls refused because the arguments did not parse or match the schema.',
          labelNames: ['plugin', 'tool'],
          registers: [registry],
        }),
    ),
    breakerState: reuse(
      'acai_plugin_breaker_state',
      () => new Gauge({ name: 'acai_plugin_breaker_state', help: 'Circuit breaker state per plugin: 0 closed, 1 half-open, 2 open.', labelNames: ['plugin'], registers: [registry] }),
    ),
    bulkheadRejections: reuse(
      'acai_plugin_bulkhead_rejections_total',
      () =>
        new Counter({
          name: 'acai_plugin_bulkhead_rejections_total',
          help: 'Tool calls rejected because the plugin had too many calls running and queued.',
          labelNames: ['plugin'],
          registers: [registry],
        }),
    ),
    startAttempts: reuse(
      'acai_plugin_start_attempts_total',
      () =>
        new Counter({
          name: 'acai_plugin_start_attempts_total',
          help: 'Attempts at starting a plugin by outcome: started, timed_out (another attempt follows while any are left), failed.',
          labelNames: ['plugin', 'outcome'],
          registers: [registry],
        }),
    ),
  };
}

/** The gauge value of a breaker state. */
export function breakerGaugeValue(state: BreakerState): number {
  return BREAKER_GAUGE_VALUE[state];
}
