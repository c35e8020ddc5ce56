import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientIpResolver } from '../client-address/index.js';
import { twirpPlugin } from '../rpc/index.js';
import { AuditService, createAuditAdminService, type AuditAdminServiceOptions } from './audit-admin-service.js';
import { createPluginAdminService, PluginService, type PluginAdminServiceOptions } from './plugin-admin-service.js';

/** The URL prefix of the admin service, for the auth layer's `{ prefix, scope: 'admin' }` rule (list it before `/twirp/`). */
export const PLUGIN_ADMIN_PATH_PREFIX = `/twirp/${PluginService.typeName}/`;

/** The URL prefix of the audit service (admin scope, like every `acai.admin.*` service). */
export const AUDIT_ADMIN_PATH_PREFIX = `/twirp/${AuditService.typeName}/`;

/** What {@link registerPluginAdminService} adds to the plugin admin service's options. */
export interface AdminRouteOptions extends PluginAdminServiceOptions {
  /** The client address of a request as the host resolves it (trusted proxies honoured), for the audit trail. */
  readonly clientIp?: ClientIpResolver;
  /** Serves `acai.admin.AuditService` too when given. */
  readonly auditLog?: AuditAdminServiceOptions;
  /** MAX_BODY_BYTES, like every other route (the transport's 1 MiB default otherwise). */
  readonly bodyLimitBytes?: number;
}

/**
 * Serves `acai.admin.PluginService` (and `acai.admin.AuditService`) over Twirp on `app`. The principal the
 * auth plugin attached to the request is handed to the services, which require the `admin` scope.
 */
export async function registerPluginAdminService(app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  const { clientIp } = options;
  const createContext = (request: FastifyRequest) => ({
    principal: (request as { principal?: unknown }).principal,
    ...(clientIp === undefined ? {} : { clientIp: clientIp(request) }),
  });
  const bodyLimit = options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes };
  await app.register(twirpPlugin, { service: PluginService, ...bodyLimit, implementation: createPluginAdminService(options), createContext });
  if (options.auditLog !== undefined) {
    await app.register(twirpPlugin, { service: AuditService, ...bodyLimit, implementation: createAuditAdminService(options.auditLog), createContext });
  }
}
