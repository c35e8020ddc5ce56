import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TracerProvider,
} from '@opentelemetry/api';

const tracer = trace.getTracer('@acai/core');

// Most hosts run without an exporter (startTracing registers no provider then), and the no-op tracer
// still costs an async wrapper, a context switch and a few objects per span: ~6 spans and a few
// percent of a chat turn's CPU in bench:capacity. An unset global provider delegates to this no-op.
const NOOP_PROVIDER: TracerProvider = new ProxyTracerProvider().getDelegate();
const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Whether a tracer provider is registered (startTracing, or a test's provider). Checked per call, so a
 * provider registered after the app was built is still honoured.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

/** The tracer the host's manual spans come from (a no-op until startTracing registers the SDK). */
export function hostTracer() {
  return tracer;
}

/** Options for {@link withSpan}. */
export interface WithSpanOptions {
  kind?: SpanKind;
}

/**
 * Runs `fn` inside a new active span (child of the current one). A thrown error is recorded, marks the
 * span as failed and is rethrown; the span always ends.
 *
 * @example
 * const conversation = await withSpan('store.get', { 'db.system.name': 'mongodb' }, () => store.get(id));
 */
// Not `async` on purpose: an async function that returns fn's promise adds a promise and three
// microtask hops per span (the thenable resolve job), and the store, model and tool calls of every turn
// pass through here.
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  options: WithSpanOptions = {},
): Promise<T> {
  if (!tracingActive()) return untraced(fn);
  return tracer.startActiveSpan(name, { attributes, kind: options.kind ?? SpanKind.INTERNAL }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markSpanFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` as {@link withSpan} does without a tracer provider: with a non-recording span, in the same
 * context, a synchronous throw turned into a rejection. For decorators that skip building a span's name
 * and attributes when {@link tracingActive} says nothing would record them.
 */
export function untraced<T>(fn: (span: Span) => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(fn(NOOP_SPAN));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Records an error on a span and sets its status to ERROR (no message text beyond the error's own). */
export function markSpanFailed(span: Span, error: unknown): void {
  if (error instanceof Error) {
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.name });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/**
 * W3C trace-context headers for the active span (`traceparent`, and `tracestate` when present), to hand
 * to plugin calls or outgoing requests. Empty when no span is active or tracing is off.
 */
export function currentTraceHeaders(): { traceparent?: string; tracestate?: string } {
  if (!tracingActive()) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const headers: { traceparent?: string; tracestate?: string } = {};
  if (carrier.traceparent) headers.traceparent = carrier.traceparent;
  if (carrier.tracestate) headers.tracestate = carrier.tracestate;
  return headers;
}

/** The active span's W3C `traceparent`, or undefined (no span / tracing off). */
export function currentTraceparent(): string | undefined {
  return currentTraceHeaders().traceparent;
}

/** Trace and span id of the active span, for logs and error reports. */
export function currentTraceIds(): { traceId: string; spanId: string } | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
