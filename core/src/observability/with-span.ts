import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('@acai/core');

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
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  options: WithSpanOptions = {},
): Promise<T> {
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
