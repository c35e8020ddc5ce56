import type { ListPluginsResponse, PluginAdminApi, PluginResponse, ReloadPluginsResponse } from './admin-api.js';
import { createTwirpJsonCaller, type TwirpClientOptions } from './twirp-json-caller.js';

const SERVICE = 'acai.admin.PluginService';

/**
 * A Twirp JSON client for the plugin admin API of a running host. Errors are TwirpClientError.
 *
 * @example
 * const admin = createTwirpAdminClient({ url: 'http://127.0.0.1:8080', apiKey: adminKey });
 * const { plugins } = await admin.listPlugins();
 */
export function createTwirpAdminClient(options: TwirpClientOptions): PluginAdminApi {
  const call = createTwirpJsonCaller(options);
  return {
    listPlugins: () => call<ListPluginsResponse>(SERVICE, 'ListPlugins', {}),
    enablePlugin: (name) => call<PluginResponse>(SERVICE, 'EnablePlugin', { name }),
    disablePlugin: (name) => call<PluginResponse>(SERVICE, 'DisablePlugin', { name }),
    reloadPlugins: () => call<ReloadPluginsResponse>(SERVICE, 'ReloadPlugins', {}),
    resetBreaker: (name) => call<PluginResponse>(SERVICE, 'ResetBreaker', { name }),
  };
}
