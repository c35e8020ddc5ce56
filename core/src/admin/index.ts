// The admin API: acai.admin.PluginService (list, enable/disable, clear override, reload, reset breaker)
// and acai.admin.AuditService (the operator trail).
export { createPluginAdminService, PluginService } from './plugin-admin-service.js';
export type { PluginAdminServiceOptions, PluginAdminTarget, PluginServiceImplementation } from './plugin-admin-service.js';
export { createAuditAdminService, AuditService } from './audit-admin-service.js';
export type { AuditAdminServiceOptions, AuditServiceImplementation } from './audit-admin-service.js';
export { registerPluginAdminService, PLUGIN_ADMIN_PATH_PREFIX, AUDIT_ADMIN_PATH_PREFIX } from './register-plugin-admin-service.js';
export type { AdminRouteOptions } from './register-plugin-admin-service.js';
