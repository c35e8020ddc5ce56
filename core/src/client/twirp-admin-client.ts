import type { ListAuditEntriesResponse, ListPluginsResponse, PluginAdminApi, PluginResponse, ReloadPluginsResponse } from './admin-api.js';
import { createTwirpJsonCaller, type TwirpClientOptions } from './twirp-json-caller.js';

const SERVICE = 'acai.admin.PluginService';
const AUDIT_SERVICE = 'acai.admin.AuditService';

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
    clearPluginOverride: (name) => call<PluginResponse>(SERVICE, 'ClearPluginOverride', { name }),
    reloadPlugins: (options = {}) => call<ReloadPluginsResponse>(SERVICE, 'ReloadPlugins', options.ifChanged === true ? { if_changed: true } : {}),
    resetBreaker: (name) => call<PluginResponse>(SERVICE, 'ResetBreaker', { name }),
    listAuditEntries: (request) => call<ListAuditEntriesResponse>(AUDIT_SERVICE, 'ListAuditEntries', request),
  };
}
