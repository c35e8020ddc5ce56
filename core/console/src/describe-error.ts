import { HostApiError, isAbort } from './host-api.js';

/** A readable sentence for any failure a view may show (never a stack trace). */
export function describeError(error: unknown): string {
  if (isAbort(error)) return 'Stopped.';
  if (error instanceof HostApiError || isTwirpLike(error)) return describeTwirpError(error.code, error.message, error instanceof HostApiError ? error.meta : {});
  return 'Something went wrong in the console. Reload the page and try again.';
}

/** The wording for a Twirp error code (from a thrown HostApiError or a stream's `error` event). */
export function describeTwirpError(code: string, message: string, meta: Readonly<Record<string, string>> = {}): string {
  const detail = message.trim() === '' ? '' : `: ${message.trim()}`;
  switch (code) {
    case 'unauthenticated':
      return `The host did not accept the API key${detail}.`;
    case 'permission_denied':
      return `This API key may not do that${detail}.`;
    case 'resource_exhausted': {
      const wait = meta.retry_after_seconds;
      return `Too many requests${detail}.${wait ? ` Try again in ${wait} s.` : ''}`;
    }
    case 'deadline_exceeded':
      return `The reply took too long and was given up${detail}.`;
    case 'unavailable':
      return `The host or a service it needs is unavailable${detail}.`;
    case 'failed_precondition':
      return `The host cannot do this yet${detail}.`;
    case 'not_found':
      return `Not found${detail}.`;
    case 'invalid_argument':
    case 'malformed':
      return `The request was refused${detail}.`;
    case 'canceled':
      return 'The turn was canceled.';
    default:
      return `The host reported an error (${code})${detail}.`;
  }
}

function isTwirpLike(error: unknown): error is { code: string; message: string } {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string';
}
