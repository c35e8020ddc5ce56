import type { FastifyInstance, FastifyRequest } from 'fastify';
import { twirpPlugin } from '../rpc/index.js';
import { createPluginAdminService, PluginService, type PluginAdminServiceOptions } from './plugin-admin-service.js';

/** The URL prefix of the admin service, for the auth layer's `{ prefix, scope: 'admin' }` rule (list it before `/twirp/`). */
export const PLUGIN_ADMIN_PATH_PREFIX = `/twirp/${PluginService.typeName}/`;

/**
 * Serves `acai.admin.PluginService` over Twirp on `app`. The principal the auth plugin attached to
 * the request is handed to the service, which requires the `admin` scope.
 */
export async function registerPluginAdminService(app: FastifyInstance, options: PluginAdminServiceOptions & { bodyLimitBytes?: number }): Promise<void> {
  await app.register(twirpPlugin, {
    service: PluginService,
    // MAX_BODY_BYTES, like every other route (the transport's 1 MiB default otherwise).
    ...(options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes }),
    implementation: createPluginAdminService(options),
    createContext: (request: FastifyRequest) => ({ principal: (request as { principal?: unknown }).principal }),
  });
}
