import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { TwirpError } from '../errors/index.js';
import { badRouteError } from './bad-route-error.js';
import { goQuote } from './go-quote.js';
import { DEFAULT_TWIRP_PREFIX } from './twirp-plugin.js';

/**
 * Fastify server options that keep the few errors raised before routing in Twirp's format, so no
 * client mistake ever gets a non-Twirp body:
 * - `frameworkErrors`: an undecodable URL under the Twirp prefix gets `bad_route` (other paths keep
 *   Fastify's default answer);
 * - `clientErrorHandler`: a request Node's HTTP parser rejects (bad Content-Length, oversized
 *   headers, garbage) gets `malformed` 400, a request that was not received in time
 *   `deadline_exceeded` 408.
 *
 * @example
 * const app = Fastify({ ...twirpServerOptions(), loggerInstance });
 */
export function twirpServerOptions(
  options: { prefix?: string } = {},
): Required<Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'>> {
  const prefix = (options.prefix ?? DEFAULT_TWIRP_PREFIX).replace(/\/+$/, '');
  const frameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (prefix !== '' && path !== prefix && !path.startsWith(`${prefix}/`)) {
      void reply.code(error.statusCode ?? 400).send(error);
      return;
    }
    const twirpError = badRouteError(`no handler for path ${goQuote(path)}`, request.method, path);
    void reply
      .code(twirpError.httpStatus)
      .header('content-type', 'application/json')
      .send(Buffer.from(JSON.stringify(twirpError.toJSON())));
  };
  return {
    // Fastify declares this option generic over route types it never uses here.
    frameworkErrors: frameworkErrors as FastifyServerOptions['frameworkErrors'] & object,
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      // A reset connection has nobody left to answer (Node's own rule).
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const twirpError =
        error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new TwirpError('deadline_exceeded', 'the request was not received in time')
          : new TwirpError('malformed', 'the HTTP request could not be parsed');
      const body = JSON.stringify(twirpError.toJSON());
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${twirpError.httpStatus} ${twirpError.httpStatus === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
  };
}
