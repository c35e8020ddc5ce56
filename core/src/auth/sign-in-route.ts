import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from './principal.js';
import { describePrincipal, replyUnauthenticated } from './whoami-route.js';

/** Where the web console signs in; protect it with every scope, like whoami. */
export const SIGN_IN_PATH = '/auth/sign-in';

/** Options of {@link registerSignInRoute}. */
export interface SignInRouteOptions {
  /** Called for every successful sign-in before the answer (the app records admin sign-ins in the audit trail). */
  readonly onSignIn?: (principal: Principal, request: FastifyRequest) => Promise<void>;
}

/**
 * `POST /auth/sign-in`: the whoami answer, for a client that is signing a person in (the web console's
 * sign-in form) rather than only asking. The key was checked by the auth plugin; a refused key never
 * reaches this handler (401), and the body is ignored.
 */
export function registerSignInRoute(app: FastifyInstance, options: SignInRouteOptions = {}): void {
  app.post(SIGN_IN_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const principal = request.principal;
    if (principal === undefined) return replyUnauthenticated(reply);
    await options.onSignIn?.(principal, request);
    return reply.type('application/json').send(describePrincipal(principal));
  });
}
