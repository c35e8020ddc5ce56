import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { registerRuntimeMetrics } from './runtime-metrics.js';

/** Options for {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event-loop delay, GC pauses, cache sizes). Default true. */
  defaultMetrics?: boolean;
}

/**
 * The host-wide Prometheus metrics: explicit, stable names (tool and breaker metrics belong to the
 * plugin host, session counters to the session resolver; both register on this registry); every label has a bounded value set
 * (route patterns, configured models, registered plugins and tools, fixed outcome words).
 */
export interface HostMetrics {
  readonly registry: Registry;
  /** acai_http_requests_total{route,method,status} */
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  /** acai_http_request_duration_seconds{route,method} */
  readonly httpRequestDuration: Histogram<'route' | 'method'>;
  /** acai_model_requests_total{model,outcome} — outcome: ok | error | timeout | rate_limited … */
  readonly modelRequests: Counter<'model' | 'outcome'>;
  /** acai_model_request_duration_seconds{model} */
  readonly modelRequestDuration: Histogram<'model'>;
  /** acai_model_tokens_total{model,type} — type: input | output */
  readonly modelTokens: Counter<'model' | 'type'>;
  /** acai_cache_requests_total{cache,result} — result: hit | miss | error */
  readonly cacheRequests: Counter<'cache' | 'result'>;
  /** acai_rate_limit_rejections_total{limit} — limit: request | model_tokens | tool_calls */
  readonly rateLimitRejections: Counter<'limit'>;
  /** acai_rate_limit_backend_errors_total — the shared limiter (Redis) failed and the host failed open. */
  readonly rateLimitBackendErrors: Counter;
  /** acai_auth_failures_total{reason} — reason: missing | invalid | revoked | forbidden */
  readonly authFailures: Counter<'reason'>;
  /** acai_unhandled_rejections_total */
  readonly unhandledRejections: Counter;
}

const LINT_FAILING_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const MODEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];

/**
 * Builds a fresh registry (never the prom-client global one, so tests and several apps in one process
 * don't collide) with the host's metrics and, by default, process metrics.
 */
export function createMetrics(options: CreateMetricsOptions = {}): HostMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    // Gauges with a `_total` suffix break Prometheus naming rules (promtool flags them); the
    // per-type gauges nodejs_active_handles / _requests / _resources carry the same information.
    for (const name of LINT_FAILING_DEFAULT_METRICS) registry.removeSingleMetric(name);
    // Event-loop delay and GC pauses as they are, and every in-process cache's size.
    registerRuntimeMetrics(registry);
  }
  const registers = [registry];

  return {
    registry,
    httpRequests: new Counter({
      name: 'acai_http_requests_total',
      help: 'HTTP requests by route pattern, method and status code.',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'acai_http_request_duration_seconds',
      help: 'HTTP request duration by route pattern and method.',
      labelNames: ['route', 'method'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    modelRequests: new Counter({
      name: 'acai_model_requests_total',
      help: 'Model (LLM) requests by model and outcome.',
      labelNames: ['model', 'outcome'] as const,
      registers,
    }),
    modelRequestDuration: new Histogram({
      name: 'acai_model_request_duration_seconds',
      help: 'Model (LLM) request duration by model.',
      labelNames: ['model'] as const,
      buckets: MODEL_BUCKETS,
      registers,
    }),
    modelTokens: new Counter({
      name: 'acai_model_tokens_total',
      help: 'Model tokens by model and type (input or output).',
      labelNames: ['model', 'type'] as const,
      registers,
    }),
    cacheRequests: new Counter({
      name: 'acai_cache_requests_total',
      help: 'Cache lookups by cache and result (hit, miss, error).',
      labelNames: ['cache', 'result'] as const,
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'acai_rate_limit_rejections_total',
      help: 'Requests, model token grants and tool calls refused by a rate limit.',
      labelNames: ['limit'] as const,
      registers,
    }),
    rateLimitBackendErrors: new Counter({
      name: 'acai_rate_limit_backend_errors_total',
      help: 'Rate-limit checks that failed open because the shared limiter (Redis) was unavailable.',
      registers,
    }),
    authFailures: new Counter({
      name: 'acai_auth_failures_total',
      help: 'Rejected requests by reason (missing, invalid, revoked, forbidden).',
      labelNames: ['reason'] as const,
      registers,
    }),
    unhandledRejections: new Counter({
      name: 'acai_unhandled_rejections_total',
      help: 'Promise rejections nobody handled (logged, not fatal).',
      registers,
    }),
  };
}
