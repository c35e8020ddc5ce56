import type { PluginAdminTarget } from '../admin/index.js';
import type { OperatorState } from '../operator-state/index.js';
import type { ReloadablePluginHost } from '../plugin-host/reload/index.js';

/**
 * The admin API's view of the host: the plugin set as the reloadable host serves it, with the switches
 * going through operator state, so they are stored for every replica and say who set them.
 */
export function operatorAdminTarget(pluginHost: ReloadablePluginHost, operatorState: OperatorState): PluginAdminTarget {
  return {
    get generation() {
      return pluginHost.generation;
    },
    get drift() {
      return pluginHost.drift;
    },
    listPlugins: () => pluginHost.listPlugins(),
    listTools: () => pluginHost.listTools(),
    reload: (trigger, options) => pluginHost.reload(trigger, options),
    setEnabled: (pluginName, isEnabled, actor) => operatorState.setEnabled(pluginName, isEnabled, actor),
    clearOverride: (pluginName) => operatorState.clearOverride(pluginName),
    resetBreaker: (pluginName, actor) => operatorState.resetBreaker(pluginName, actor),
    fileEnabled: (pluginName) => pluginHost.fileEnabled(pluginName),
    overrideOf: (pluginName) => operatorState.recordOf(pluginName),
  };
}
