import { requestTooLarge, TwirpError, toTwirpError } from '../errors/index.js';

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
}

/**
 * Maps whatever reaches the transport's error handler to a Twirp error. Fastify's own request
 * errors (body too large, bad Content-Length, client aborted the upload) are client mistakes and
 * get client codes — never a 500 or a non-Twirp body; everything else goes through
 * `toTwirpError`, the one mapping for application errors.
 */
export function toTransportTwirpError(error: unknown, bodyLimitBytes: number): TwirpError {
  if (error instanceof TwirpError) return error;
  const { code, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return toTwirpError(requestTooLarge(bodyLimitBytes));
  if (code === 'ECONNRESET') return new TwirpError('canceled', 'the client closed the request');
  if (typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode < 500) {
    return new TwirpError('malformed', 'the request body could not be read');
  }
  return toTwirpError(error);
}
