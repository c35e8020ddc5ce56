import { SpanStatusCode, trace } from '@opentelemetry/api';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Stream telemetry as the transport reports it (rpc's ServerStreamObserver has this shape). */
export interface StreamObserver {
  opened(route: string): void;
  closed(route: string, outcome: string, durationMs: number): void;
}

const STREAM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];

/**
 * Metrics and span status for long-lived responses, which the per-request HTTP metrics describe
 * poorly (a stream that ends with an error event is still a 200, and a client that leaves never
 * "finishes" it): `acai_http_streams_total{route,outcome}`, `acai_http_stream_duration_seconds{route,outcome}`
 * and `acai_http_streams_open{route}`. Outcome is `ok` or a Twirp code (`canceled` when the client
 * left), so every label keeps a bounded value set. The request's RPC span gets `acai.stream.outcome`
 * and an error status for failed streams.
 */
export function createStreamObserver(registry: Registry): StreamObserver {
  const registers = [registry];
  const streams = new Counter({
    name: 'acai_http_streams_total',
    help: 'Calls of server-streaming routes by route pattern and outcome (ok, or the Twirp code of the failure, before or after the first event).',
    labelNames: ['route', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'acai_http_stream_duration_seconds',
    help: 'How long server-streaming responses stayed open, by route pattern and outcome.',
    labelNames: ['route', 'outcome'] as const,
    buckets: STREAM_BUCKETS,
    registers,
  });
  const open = new Gauge({
    name: 'acai_http_streams_open',
    help: 'Server-streaming responses open now, by route pattern.',
    labelNames: ['route'] as const,
    registers,
  });
  return {
    opened(route) {
      open.inc({ route });
    },
    closed(route, outcome, durationMs) {
      open.dec({ route });
      streams.inc({ route, outcome });
      duration.observe({ route, outcome }, durationMs / 1000);
      const span = trace.getActiveSpan();
      span?.setAttribute('acai.stream.outcome', outcome);
      if (outcome !== 'ok' && outcome !== 'canceled') span?.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    },
  };
}
