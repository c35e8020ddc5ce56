import { TwirpError } from '../errors/index.js';

/**
 * Twirp's router error: `bad_route` with `meta.twirp_invalid_route = "<METHOD> <path>"`, exactly
 * as the generated Go server builds it. Only the transport creates these; application code uses
 * `not_found` or `unimplemented`.
 */
export function badRouteError(message: string, httpMethod: string, path: string): TwirpError {
  return new TwirpError('bad_route', message, { twirp_invalid_route: `${httpMethod} ${path}` });
}
