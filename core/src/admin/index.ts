// The plugin admin API (acai.admin.PluginService): list, enable/disable, reload, reset breaker.
export { createPluginAdminService, PluginService } from './plugin-admin-service.js';
export type { PluginAdminServiceOptions, PluginAdminTarget, PluginServiceImplementation } from './plugin-admin-service.js';
export { registerPluginAdminService, PLUGIN_ADMIN_PATH_PREFIX } from './register-plugin-admin-service.js';
