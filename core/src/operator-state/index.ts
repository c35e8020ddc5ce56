// Operator switches (enable/disable overrides, breaker resets) shared by every replica through the store,
// announced over Redis pub/sub and polled as the fallback.
export { OperatorState, overridesFrom } from './operator-state.js';
export type { OperatorStateOptions, OverridablePluginHost, OverrideChannel } from './operator-state.js';
