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

/** Installs the probe and answers the driver's requests; no-op without an IPC channel. */
export declare function installProcessProbe(): void;

/** Tells the driver where this process listens. */
export declare function announceListening(port: number): void;
