import { HostError } from '../errors/index.js';

/**
 * Wraps a driver failure. The message is generic on purpose: driver text can carry hostnames or
 * credentials and must never reach clients; the original error stays available as `cause` for logs.
 */
export function storeUnavailable(operation: string, cause: unknown): HostError {
  if (HostError.isInstance(cause)) return cause;
  return new HostError('HOST_STORE_UNAVAILABLE', `conversation store unavailable (${operation})`, { cause });
}
