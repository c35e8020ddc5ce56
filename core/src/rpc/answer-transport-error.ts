import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TwirpError } from '../errors/index.js';
import { toTransportTwirpError } from './transport-twirp-error.js';

/**
 * A Fastify error handler that answers in the host's error shape, a Twirp error `{"code","msg","meta"}`
 * with its status: the Twirp routes' own, and the root handler for every route outside Twirp and /mcp
 * (the Telegram webhook, sign-in, whoami, health), so an oversized, malformed or mistyped body there gets
 * a stable code too — never Fastify's own error body, its error codes or a stack. Server faults are
 * logged with the error; client mistakes at info, by code.
 */
export function answerTransportError(bodyLimitBytes: number, logMessage: string): (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (error, request, reply) => {
    const twirpError = toTransportTwirpError(error, bodyLimitBytes);
    if (twirpError.httpStatus >= 500) request.log.error({ err: error, twirpCode: twirpError.code }, `${logMessage} failed`);
    else request.log.info({ twirpCode: twirpError.code, twirpMessage: twirpError.message }, `${logMessage} rejected`);
    return sendTwirpError(reply, twirpError);
  };
}

/** Sends `twirpError` as the host's JSON error body with its status and headers. */
export function sendTwirpError(reply: FastifyReply, twirpError: TwirpError): FastifyReply {
  // Error bodies are always JSON, whatever the request's encoding. A Buffer payload keeps the
  // bare Content-Type the Go server sends (Fastify appends "; charset=utf-8" to JSON strings).
  return reply
    .code(twirpError.httpStatus)
    .headers(twirpError.headers)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(twirpError.toJSON())));
}
