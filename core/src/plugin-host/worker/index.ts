export { WorkerPluginRuntime } from './worker-plugin-runtime.js';
export type {
  WorkerCallObserver,
  WorkerCallOutcome,
  WorkerCrashReason,
  WorkerHostServices,
  WorkerPluginRuntimeOptions,
  WorkerResourceLimits,
  WorkerRuntimeEvent,
  WorkerRuntimeState,
  WorkerRuntimeStats,
} from './worker-plugin-runtime.js';
export { createPluginRuntimeFactory } from './create-plugin-runtime-factory.js';
export type { PluginRuntimeFactoryOptions } from './create-plugin-runtime-factory.js';
export { sandboxedWorkerProgram } from './sandboxed-worker-program.js';
export type { SandboxedWorkerProgram } from './sandboxed-worker-program.js';
export { WorkerEventTracker } from './worker-event-tracker.js';
export type { WorkerHealth } from './worker-event-tracker.js';
export { createWorkerMetrics } from './worker-metrics.js';
export type { WorkerMetrics } from './worker-metrics.js';
