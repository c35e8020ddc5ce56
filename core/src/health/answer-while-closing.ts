import type { FastifyInstance } from 'fastify';
import { HostError, toTwirpError } from '../errors/index.js';

const SHUTTING_DOWN = new HostError('HOST_SHUTTING_DOWN', 'the host is shutting down; retry the request (another replica will answer)');

/**
 * Once the server starts closing, every request that still reaches it (one whose head arrived on an open
 * connection during the drain) is answered with a Twirp `unavailable` error and `Connection: close`,
 * instead of Fastify's own 503 body, which has no Twirp `code`. Registered first, so it runs before
 * tracing, auth and rate limits and no closing host does work for a request it will not serve.
 * The server must be built with `return503OnClosing: false`, or Fastify answers before any hook runs.
 */
export function answerWhileClosing(server: FastifyInstance): void {
  let isClosing = false;
  server.addHook('preClose', (done) => {
    isClosing = true;
    done();
  });
  // A callback hook: as an async one it cost every request a promise and a microtask hop to say "not closing".
  server.addHook('onRequest', (request, reply, next) => {
    if (isClosing) {
      request.log.info({ url: request.url.slice(0, 200) }, 'request refused: the host is shutting down');
      const wire = toTwirpError(SHUTTING_DOWN);
      reply.code(wire.httpStatus).header('connection', 'close').type('application/json').send(wire.toJSON());
    }
    next();
  });
}
