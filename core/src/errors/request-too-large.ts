import { HostError } from './host-error.js';

/**
 * The answer to a body over MAX_BODY_BYTES: Twirp code `resource_exhausted` (gRPC's code for a message
 * over the size limit; Twirp has no code of its own) sent with HTTP 413, so Twirp clients read a code
 * and proxies see the status they know. The message names the limit and the setting; `meta` carries the
 * limit for programs. Nothing about it is retryable as is, so it carries no Retry-After.
 */
export function requestTooLarge(limitBytes: number): HostError {
  return new HostError(
    'HOST_REQUEST_TOO_LARGE',
    `request body too large: the limit is ${limitBytes} bytes (MAX_BODY_BYTES); send a smaller request`,
    { meta: { argument: 'body', reason: 'body_too_large', limit_bytes: String(limitBytes) } },
  );
}
