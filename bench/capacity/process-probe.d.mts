// Types of process-probe.mjs (plain JavaScript, so the host process runs without a TypeScript loader,
// whose loader thread would add ~35 MB to the RSS being measured).
/** What a process reports about itself. Times in milliseconds, sizes in bytes. */
export interface ProcessReport {
  readonly pid: number;
  /** CPU time (user + system) since the process started. */
  readonly cpuMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** Event-loop delay since the last reset (perf_hooks.monitorEventLoopDelay at 10 ms, the sampling interval subtracted). */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** GC pauses since the last reset. */
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
  /** The process's HTTP server since the last reset: request headers read → response finished (ms). */
  readonly serverTime: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
  /** Connections its servers accepted since the process started. */
  readonly connectionsAccepted: number;
  /** Event-loop stalls (> 20 ms late) since the last reset, and where their time went (ms). */
  readonly stalls: StallSummary;
  /** The event loop's utilization since the last reset (0–1: not idle in the poll phase). */
  readonly loopUtilization: number;
  /** What the RSS is made of. */
  readonly memory: MemoryDetail;
}

/** A process's resident memory by kind (Linux /proc/self/status; 0 elsewhere) and V8's heap spaces (main isolate). */
export interface MemoryDetail {
  readonly rssAnonBytes: number;
  readonly rssFileBytes: number;
  /** Threads of the process: libuv's pool, V8's platform workers, and every worker thread (an isolate each). */
  readonly threads: number;
  readonly arrayBuffersBytes: number;
  /** Per V8 heap space: the physical memory it holds (`committedBytes`) and what live or not yet collected objects use. */
  readonly heapSpaces: ReadonlyArray<{ readonly name: string; readonly committedBytes: number; readonly usedBytes: number }>;
}

/**
 * Stalls of a process's event loop: wall time split into time its main thread ran (`cpuMs`, of which
 * `gcMs` in GC pauses), waited for a CPU (`waitMs`: other processes), and neither (`blockedMs`: sleeping
 * on a lock or synchronous I/O).
 */
export interface StallSummary {
  readonly count: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly gcMs: number;
  readonly waitMs: number;
  readonly blockedMs: number;
  readonly worst: { readonly wallMs: number; readonly cpuMs: number; readonly waitMs: number; readonly gcMs: number };
}

/** What the driver can ask for. */
export type ProbeCommand =
  | { readonly type: 'report'; readonly reset: boolean }
  | { readonly type: 'collect-garbage' }
  | { readonly type: 'heap-snapshot'; readonly path: string }
  /** Starts the V8 CPU profiler in the process (node:inspector). */
  | { readonly type: 'profile-start' }
  /** Stops it and writes the profile (.cpuprofile JSON) to `path`. */
  | { readonly type: 'profile-stop'; readonly path: string };

/** A request from the driver: a command and the id its answer carries. */
export type ProbeRequest = ProbeCommand & { readonly id: number };

/** The probe's answer to one request. */
export interface ProbeAnswer {
  readonly type: 'probe-answer';
  readonly id: number;
  readonly report: ProcessReport;
}

/** The first message a bench process sends: where it listens. */
export interface ListeningMessage {
  readonly type: 'listening';
  readonly port: number;
}

/** The response header carrying when the process had read a request's headers (epoch ms, fractional). */
export declare const RECEIVED_AT_HEADER: string;
/** The response header carrying when the process accepted the connection the request came on. */
export declare const ACCEPTED_AT_HEADER: string;

/** The process's own loop delay, GC and server-time figures; `reset` starts a new window. */
export declare function createSelfMonitor(): { snapshot(): ProcessReport; reset(): void };

/** Installs the probe and answers the driver's requests; no-op without an IPC channel. */
export declare function installProcessProbe(): void;

/** The calling process's memory by kind (see MemoryDetail). */
export declare function memoryDetail(): MemoryDetail;

/** Tells the driver where this process listens. */
export declare function announceListening(port: number): void;
