export { createLogger } from './create-logger.js';
export type { CreateLoggerOptions } from './create-logger.js';
export { isolateLogStream } from './isolate-log-stream.js';
export type { LogStreamIsolation, LogStreamIsolationOptions } from './isolate-log-stream.js';
export { redactUrl } from './redact-url.js';
export { connectionStringSecrets } from './connection-string-secrets.js';
export { SecretRegistry, MIN_SECRET_LENGTH } from './secret-registry.js';
export { startTracing, otlpTracesUrl } from './start-tracing.js';
export type { StartTracingOptions, Tracing } from './start-tracing.js';
export { withSpan, markSpanFailed, currentTraceHeaders, currentTraceparent, currentTraceIds, hostTracer } from './with-span.js';
export type { WithSpanOptions } from './with-span.js';
export {
  withModelCallSpan,
  recordModelResult,
  withToolCallSpan,
  recordToolOutcome,
  GEN_AI_SYSTEM,
  GEN_AI_OPERATION_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_TOOL_NAME,
  ACAI_PLUGIN_NAME,
  ACAI_PLUGIN_VERSION,
  ACAI_TOOL_NAME,
  ACAI_TOOL_OUTCOME,
  ACAI_BREAKER_STATE,
  ACAI_TENANT_ID,
} from './gen-ai-spans.js';
export type { ModelCallSpanInput, ModelCallSpanResult, ToolCallSpanInput } from './gen-ai-spans.js';
export { tracingPlugin, parseTwirpPath } from './tracing-plugin.js';
export { createMetrics } from './create-metrics.js';
export type { CreateMetricsOptions, HostMetrics } from './create-metrics.js';
export { methodLabel, metricsPlugin, startMetricsServer, UNMATCHED_ROUTE } from './metrics-plugin.js';
export type { MetricsPluginOptions, MetricsServer } from './metrics-plugin.js';
export { installUnhandledRejectionHandler } from './install-unhandled-rejection-handler.js';
export { instrumentConversationStore } from './instrument-conversation-store.js';
export { instrumentSessionDirectory, ACAI_SESSION_SOURCE } from './instrument-session-directory.js';
export { withTraceContextFetch } from './with-trace-context-fetch.js';
export { createStreamObserver } from './stream-observer.js';
export type { StreamObserver } from './stream-observer.js';
