import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import type * as OtlpHttpTraceExporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkNode from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

// The SDK and its exporter weigh ~19 MB of heap and ~57 MB of RSS once loaded, and most hosts run with
// tracing off; they are loaded (synchronously, from their CommonJS builds) only when tracing starts.
const requireSdk = createRequire(import.meta.url);

/** Options for {@link startTracing}. */
export interface StartTracingOptions {
  /** Default `service.name`; OTEL_SERVICE_NAME wins when set. */
  serviceName: string;
  serviceVersion?: string;
  /** The OTEL_* variables (from config; the SDK itself also reads OTEL_BSP_*, OTEL_TRACES_SAMPLER, headers…). */
  env: Readonly<Record<string, string | undefined>>;
  /** Replaces the OTLP exporter (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessors?: SpanProcessor[];
}

/** A started (or deliberately disabled) tracing SDK. */
export interface Tracing {
  readonly isEnabled: boolean;
  /** Why tracing is off, or where spans go. */
  readonly description: string;
  /** Exports every finished span now (tests; before a risky operation). */
  forceFlush(): Promise<void>;
  /** Flushes pending spans and stops the SDK; safe to call twice. */
  shutdown(): Promise<void>;
}

function isTrue(value: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes(value?.trim().toLowerCase() ?? '');
}

/** The OTLP/HTTP traces URL per the spec: the signal-specific variable as-is, else `<base>/v1/traces`. */
export function otlpTracesUrl(env: StartTracingOptions['env']): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Starts the OpenTelemetry Node SDK for traces only (metrics are Prometheus, logs are pino), exporting
 * with OTLP over HTTP to the endpoint in OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. Disabled cleanly when
 * OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none or no endpoint is configured: spans are then
 * no-ops and cost almost nothing. No auto-instrumentation: the host creates its spans by hand.
 *
 * @example
 * const tracing = startTracing({ serviceName: 'acai', env: process.env });
 * // on shutdown
 * await tracing.shutdown();
 */
export function startTracing(options: StartTracingOptions): Tracing {
  const { env } = options;
  const disabled = (description: string): Tracing => ({
    isEnabled: false,
    description,
    forceFlush: async () => {},
    shutdown: async () => {},
  });
  if (isTrue(env.OTEL_SDK_DISABLED)) return disabled('tracing disabled (OTEL_SDK_DISABLED=true)');
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return disabled('tracing disabled (OTEL_TRACES_EXPORTER=none)');

  const spanProcessors = options.spanProcessors;
  let description = 'tracing to in-process span processors';
  let traceExporter: OtlpHttpTraceExporter.OTLPTraceExporter | undefined;
  if (spanProcessors === undefined) {
    const url = otlpTracesUrl(env);
    if (url === undefined) return disabled('tracing off (set OTEL_EXPORTER_OTLP_ENDPOINT to export spans)');
    const { OTLPTraceExporter } = requireSdk('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttpTraceExporter;
    traceExporter = new OTLPTraceExporter({ url });
    description = `tracing to ${url} (OTLP/HTTP)`;
  }
  const { NodeSDK } = requireSdk('@opentelemetry/sdk-node') as typeof SdkNode;
  const { resourceFromAttributes } = requireSdk('@opentelemetry/resources') as typeof Resources;

  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || options.serviceName,
    ...(options.serviceVersion ? { resource: resourceFromAttributes({ 'service.version': options.serviceVersion }) } : {}),
    ...(spanProcessors ? { spanProcessors } : {}),
    ...(traceExporter ? { traceExporter } : {}),
    instrumentations: [],
    // Prometheus (prom-client) and pino own metrics and logs; keep the SDK from exporting its own.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  return {
    isEnabled: true,
    description,
    async forceFlush() {
      // The global provider is a proxy; its delegate is the SDK's provider, which can flush.
      const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
      await provider.getDelegate?.().forceFlush?.();
    },
    shutdown() {
      stopped ??= sdk.shutdown();
      return stopped;
    },
  };
}
