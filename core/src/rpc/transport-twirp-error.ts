import { requestTooLarge, TwirpError, toTwirpError } from '../errors/index.js';

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
}

/**
 * Maps whatever reaches the transport's error handler to a Twirp error. Fastify's own request
 * errors (body too large, bad Content-Length, not JSON, a Content-Type nothing parses, client aborted
 * the upload) are client mistakes and get client codes — never a 500 or a non-Twirp body; everything
 * else goes through `toTwirpError`, the one mapping for application errors.
 */
export function toTransportTwirpError(error: unknown, bodyLimitBytes: number): TwirpError {
  if (error instanceof TwirpError) return error;
  const { code, statusCode } = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return toTwirpError(requestTooLarge(bodyLimitBytes));
  if (code === 'ECONNRESET') return new TwirpError('canceled', 'the client closed the request');
  // Only routes that let Fastify parse their bodies (not Twirp's nor /mcp's) see these two.
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new TwirpError('malformed', 'the request body is not valid JSON', { argument: 'body' });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // 415 for proxies and tools that act on it, as 413 is kept for an oversized body.
    return new TwirpError('malformed', 'this route does not accept a body of that Content-Type; send application/json', { argument: 'content-type' }, {}, 415);
  }
  if (typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode < 500) {
    return new TwirpError('malformed', 'the request body could not be read');
  }
  return toTwirpError(error);
}
