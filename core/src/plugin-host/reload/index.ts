export { ReloadablePluginHost, applyOverrides } from './reloadable-plugin-host.js';
export type {
  EnabledOverrides,
  ReloadablePluginHostOptions,
  ReloadableStartOptions,
  ReloadEvent,
  ReloadOptions,
  ReloadResult,
  ReloadTrigger,
} from './reloadable-plugin-host.js';
export { watchConfigFile } from './watch-config-file.js';
export type { ConfigFileWatch, WatchConfigFileOptions } from './watch-config-file.js';
export { ReloadThrottle, DEFAULT_TOOLS_CHANGED_RELOAD } from './reload-throttle.js';
export type { ReloadThrottleOptions } from './reload-throttle.js';
export { driftFromRefusal, isConfigRefusal } from './config-drift.js';
export type { ConfigDrift } from './config-drift.js';
export type { PluginsConfigChanges } from './config-changes.js';
