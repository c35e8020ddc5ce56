import { APIError } from 'openai';
import { HostError } from '../errors/index.js';
import { IncompleteStreamError } from './accumulate-stream.js';
import { EmptyChoicesError } from './read-completion.js';
import { isRetryableFailure } from './retry-policy.js';

/** What to do after a failed attempt: try again (honouring the server's retry headers) or give up with a coded error. */
export type FailureDecision =
  | { readonly kind: 'retry'; readonly headers: { get(name: string): string | null } | undefined }
  | { readonly kind: 'fatal'; readonly error: HostError };

/**
 * Sorts a failed attempt: transient HTTP statuses, malformed or truncated answers and dropped connections
 * are retried; a spent quota, a rejected request and anything unknown are not. Upstream text never reaches
 * the error message (it can carry keys, URLs or prompt fragments); it stays in `cause` for the logs.
 */
export function classifyModelFailure(failure: unknown): FailureDecision {
  if (failure instanceof APIError) {
    const facts = { status: failure.status, headers: failure.headers, code: failure.code };
    if (isRetryableFailure(facts)) return { kind: 'retry', headers: failure.headers };
    if (failure.code === 'insufficient_quota') {
      return {
        kind: 'fatal',
        error: new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint refused the request: quota exhausted', {
          cause: failure,
        }),
      };
    }
    if (failure.status === 401 || failure.status === 403) return { kind: 'fatal', error: credentialsRejected(failure.status, failure) };
    const meta: Record<string, string> = {};
    if (failure.status !== undefined) meta.upstream_status = String(failure.status);
    if (failure.code === 'context_length_exceeded') meta.reason = 'context_length_exceeded';
    return {
      kind: 'fatal',
      error: new HostError('HOST_MODEL_REJECTED', `the model endpoint rejected the request (HTTP ${failure.status ?? '?'})`, {
        cause: failure,
        meta,
      }),
    };
  }
  if (failure instanceof EmptyChoicesError || failure instanceof IncompleteStreamError || failure instanceof SyntaxError) {
    return { kind: 'retry', headers: undefined };
  }
  // The attempt's own timeout (the caller's stop and the deadline are sorted out before this): a stream
  // that went silent is destroyed with the timeout's reason, which the SSE reader passes on as it is.
  if (failure instanceof DOMException && (failure.name === 'TimeoutError' || failure.name === 'AbortError')) {
    return { kind: 'retry', headers: undefined };
  }
  // Stream or socket failures surface as plain errors (ECONNRESET, premature close): transient.
  if (failure instanceof Error && /ECONNRESET|ECONNREFUSED|EPIPE|socket|terminated|premature|network/i.test(`${failure.message} ${String((failure as { code?: unknown }).code ?? '')}`)) {
    return { kind: 'retry', headers: undefined };
  }
  return {
    kind: 'fatal',
    error: new HostError('HOST_INTERNAL', 'model call failed', { cause: failure }),
  };
}

/**
 * The provider refused the host's own key (401) or its access to the model (403). Neither the client nor a
 * retry can fix that, so it is a precondition failure, worded for both readers: the client learns the
 * host is misconfigured, the operator which setting to fix.
 */
function credentialsRejected(status: 401 | 403, cause: APIError): HostError {
  const what = status === 401 ? 'rejected the host\'s model API key' : 'refused the host\'s model API key access to the model';
  return new HostError(
    'HOST_MODEL_CREDENTIALS_REJECTED',
    `the model endpoint ${what} (HTTP ${status}); chat is unavailable until the operator fixes OPENAI_API_KEY (and OPENAI_MODEL / OPENAI_BASE_URL)`,
    { cause, meta: { upstream_status: String(status), reason: 'model_credentials_rejected' } },
  );
}
