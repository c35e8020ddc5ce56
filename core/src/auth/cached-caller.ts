import type { IncomingMessage } from 'node:http';
import type { ClientIpResolver } from '../client-address/index.js';
import { cachedAuthResult, extractApiKey } from './auth-plugin.js';
import type { Authenticator } from './create-authenticator.js';
import { hasScope, type ApiKeyScope } from './principal.js';

/**
 * A check, without any lookup, that a raw request comes from a caller the auth plugin would let through
 * with `scope`: its key (or its trusted network, or auth being off) is in the authenticator's cache as
 * valid and holds the scope. Anything else — no key, an unknown, revoked or uncached key, two keys, a
 * key without the scope — is false, and the request should take the full path through authentication.
 * For work done in front of the auth plugin that must not tell a stranger anything (the admission
 * front's refusals say that the replica is at capacity).
 */
export function cachedCallerCheck(authenticator: Authenticator, clientIp: ClientIpResolver, scope: ApiKeyScope): (request: IncomingMessage) => boolean {
  return (request) => {
    const result = cachedAuthResult(authenticator, extractApiKey(request.headers), clientIp(request));
    return result?.ok === true && hasScope(result.principal, scope);
  };
}
