import type { EnvReader } from './env-reader.js';

/** HTTP_ACCEPT_SLOTS' default: see README, Capacity and admission control. */
export const DEFAULT_ACCEPT_SLOTS = 16;
/** HEAP_GROWTH_PERCENT's default: see README, Memory, and runtime/heap-growth.ts. */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

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
  /** Descriptors onto the listening socket, each accepting one connection per event-loop iteration (see app/accept-slots.ts). */
  readonly acceptSlots: number;
  /** How far V8's old generation may grow past what survived the last full GC before the next one (percent; 0 = V8's own policy, up to 300 %). */
  readonly heapGrowthPercent: number;
}

/** PORT, HOST, MAX_BODY_BYTES, REQUEST_DEADLINE_MS, SHUTDOWN_DEADLINE_MS, METRICS_PORT, HTTP_ACCEPT_SLOTS, HEAP_GROWTH_PERCENT. */
export function readServerSettings(read: EnvReader): ServerSettings {
  return {
    port: read.integer('PORT', 8080, 0, 65_535),
    host: read.text('HOST') ?? '127.0.0.1',
    maxBodyBytes: read.integer('MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    requestDeadlineMs: read.integer('REQUEST_DEADLINE_MS', 45_000, 1_000, 600_000),
    shutdownDeadlineMs: read.integer('SHUTDOWN_DEADLINE_MS', 20_000, 0, 600_000),
    metricsPort: read.integer('METRICS_PORT', 0, 0, 65_535),
    acceptSlots: read.integer('HTTP_ACCEPT_SLOTS', DEFAULT_ACCEPT_SLOTS, 1, 64),
    heapGrowthPercent: read.integer('HEAP_GROWTH_PERCENT', DEFAULT_HEAP_GROWTH_PERCENT, 0, 300),
  };
}
