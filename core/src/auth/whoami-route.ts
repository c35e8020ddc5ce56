import type { FastifyInstance, FastifyReply } from 'fastify';
import { HostError, toTwirpError } from '../errors/index.js';
import type { Principal } from './principal.js';

/** Where a client asks who its key makes it; protect it with every scope (any valid key may ask). */
export const WHOAMI_PATH = '/auth/whoami';

/** The answer of `GET /auth/whoami`, snake_case like the Twirp JSON API. */
export interface WhoamiResponse {
  readonly tenant_id: string;
  /** Absent for trusted-network and auth-disabled callers. */
  readonly key_id?: string;
  readonly scopes: readonly string[];
  /** `api_key`, `trusted_network` or `auth_disabled`. */
  readonly source: string;
}

/**
 * `GET /auth/whoami`: the authenticated caller's tenant, key id and scopes, so a client such as the web
 * console can show only what the key may do. It answers from `request.principal` alone (set by the auth
 * plugin, which must protect this path) and never echoes the key itself.
 */
export function registerWhoamiRoute(app: FastifyInstance): void {
  app.get(WHOAMI_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const principal = request.principal;
    if (principal === undefined) return replyUnauthenticated(reply);
    return reply.type('application/json').send(describePrincipal(principal));
  });
}

/** The answer of an identity route mounted without the auth plugin's protection (only then is there no principal). */
export function replyUnauthenticated(reply: FastifyReply): FastifyReply {
  const wire = toTwirpError(new HostError('HOST_UNAUTHENTICATED', 'this route needs an API key'));
  return reply.code(wire.httpStatus).type('application/json').send(wire.toJSON());
}

/** The whoami answer for a principal (never the key itself). */
export function describePrincipal(principal: Principal): WhoamiResponse {
  return {
    tenant_id: principal.tenantId,
    ...(principal.keyId === undefined ? {} : { key_id: principal.keyId }),
    scopes: [...principal.scopes],
    source: principal.source,
  };
}
