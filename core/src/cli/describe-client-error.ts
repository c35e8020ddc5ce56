import { TwirpClientError } from '../client/index.js';
import { CliError } from './cli-error.js';

/** Turns a chat or admin client failure into a one-line CLI error that says what to do about it. */
export function describeClientError(error: unknown, url: string): CliError {
  if (!TwirpClientError.isInstance(error)) {
    return new CliError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (error.isTransportFailure) {
    return new CliError(`${error.message} (is the host running? start it with \`acai serve\`, or pass --url)`, { cause: error });
  }
  const hint: Partial<Record<string, string>> = {
    unauthenticated: ' (pass --api-key or set ACAI_API_KEY)',
    permission_denied: ' (this API key may not do that; admin commands need the "admin" scope)',
    bad_route: ` (is ${url} an Acai host with this API?)`,
    resource_exhausted: ' (rate limited; retry later)',
    unavailable: ' (the host or one of its dependencies is down; retry later)',
  };
  // An oversized request is resource_exhausted too, but waiting will not help: its message says what will.
  const isTooLarge = error.meta['reason'] === 'body_too_large';
  return new CliError(`${error.code}: ${error.message}${isTooLarge ? '' : (hint[error.code] ?? '')}`, { cause: error });
}
