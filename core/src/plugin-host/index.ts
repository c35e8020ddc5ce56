// The plugin host: resolve → check → load → registry → call path. See load-plugin-host.ts.
export { loadPluginHost } from './load-plugin-host.js';
export type { LoadPluginHostOptions, LoadReport, PluginHost, PluginStatus, QuarantinedToolReport } from './load-plugin-host.js';
export { exposedToolName, EXPOSED_NAME_PATTERN } from './tool-registry.js';
export type { ModelToolSpec, RegisteredToolInfo } from './tool-registry.js';
export type { BreakerState } from './tool-metrics.js';
export type { PluginLastError } from './loaded-plugin.js';
export { describePermissionSet, isEmptyPermissionSet, manifestRequest, toPermissionsBlock, toPermissionSet } from './permissions/index.js';
export type { PermissionSet } from './permissions/index.js';
export type { PluginSandboxStatus, SandboxExemption, SandboxSettings } from './place-plugin.js';
export { BUBBLEWRAP_LOCATIONS } from './sandbox/index.js';
export { isFirstPartyPackage } from './first-party.js';
export { readDeclaredPluginName } from './read-declared-name.js';
export type { SandboxDescription } from './sandbox/index.js';
export { InlinePluginRuntime } from './inline-plugin-runtime.js';
export { createPluginCache } from './create-plugin-cache.js';
export type {
  PluginRuntime,
  PluginRuntimeFactory,
  PluginRuntimeOptions,
  PluginRuntimeServices,
  RuntimeCallContext,
  RuntimePluginInfo,
  RuntimeToolInfo,
} from './plugin-runtime.js';
export { createHostRuntimeFactory, startPluginHost } from './start-plugin-host.js';
export type { StartedPluginHost, StartPluginHostOptions, WorkerSettings } from './start-plugin-host.js';
export { diffToolSchemas, snapshotToolSchemas, ToolSchemaLedger } from './tool-schema-changes.js';
export type { ToolSchemaChange, ToolSchemaRecord, ToolSchemaSnapshot } from './tool-schema-changes.js';
