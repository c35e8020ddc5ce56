import type { EnvReader } from './env-reader.js';

/** The HTTP server. */
export interface ServerSettings {
  readonly port: number;
  readonly host: string;
  /** Body size limit for RPCs. */
  readonly maxBodyBytes: number;
  /** Whole-request deadline; kept below the HTTP server's own timeouts. */
  readonly requestDeadlineMs: number;
  readonly shutdownDeadlineMs: number;
  /** Serve /metrics on a separate port (0 = on the main port, behind the `metrics` scope). */
  readonly metricsPort: number;
}

/** PORT, HOST, MAX_BODY_BYTES, REQUEST_DEADLINE_MS, SHUTDOWN_DEADLINE_MS, METRICS_PORT. */
export function readServerSettings(read: EnvReader): ServerSettings {
  return {
    port: read.integer('PORT', 8080, 0, 65_535),
    host: read.text('HOST') ?? '127.0.0.1',
    maxBodyBytes: read.integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    requestDeadlineMs: read.integer('REQUEST_DEADLINE_MS', 45_000, 1_000, 600_000),
    shutdownDeadlineMs: read.integer('SHUTDOWN_DEADLINE_MS', 20_000, 0, 600_000),
    metricsPort: read.integer('METRICS_PORT', 0, 0, 65_535),
  };
}
