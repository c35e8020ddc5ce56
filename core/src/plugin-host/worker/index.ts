export { WorkerPluginRuntime } from './worker-plugin-runtime.js';
export type {
  WorkerCrashReason,
  WorkerHostServices,
  WorkerPluginRuntimeOptions,
  WorkerResourceLimits,
  WorkerRuntimeEvent,
  WorkerRuntimeState,
  WorkerRuntimeStats,
} from './worker-plugin-runtime.js';
