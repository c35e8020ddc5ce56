import type { FastifyInstance } from 'fastify';
import { sendTwirpError } from './answer-transport-error.js';
import { badRouteError } from './bad-route-error.js';
import { requestPath } from './twirp-request.js';

/** Longest path echoed back: a 16 KiB hostile URL is not worth sending back to its author. */
const MAX_ECHOED_PATH = 256;

/**
 * A path no route serves (outside the Twirp prefix, which has its own catch-all) gets the host's error
 * shape — `bad_route`, 404, the method and path in meta, as the Twirp catch-all gives — instead of
 * Fastify's own body, so every answer a client can get from the host parses the same way.
 */
export function answerUnknownRoutes(server: FastifyInstance): void {
  server.setNotFoundHandler((request, reply) => {
    const fullPath = requestPath(request);
    const path = fullPath.length > MAX_ECHOED_PATH ? `${fullPath.slice(0, MAX_ECHOED_PATH)}…` : fullPath;
    return sendTwirpError(reply, badRouteError(`no route for ${request.method} ${path}`, request.method, path));
  });
}
