import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRouteError } from '../rpc/bad-route-error.js';
import { sendTwirpError } from '../rpc/index.js';

/** Longest path echoed back: a 16 KiB hostile URL is not worth sending back to its author. */
const MAX_ECHOED_PATH = 256;

/**
 * A path no route serves (outside the Twirp prefix, which has its own catch-all) gets the host's error
 * shape — `bad_route`, 404, the method and path in meta — instead of Fastify's own body, so every answer
 * a client can get from the host parses the same way.
 */
export function answerUnknownRoutes(server: FastifyInstance): void {
  server.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const rawPath = request.url.split('?', 1)[0] ?? '';
    const path = rawPath.length > MAX_ECHOED_PATH ? `${rawPath.slice(0, MAX_ECHOED_PATH)}…` : rawPath;
    return sendTwirpError(reply, badRouteError(`no route for ${request.method} ${path}`, request.method, path));
  });
}
