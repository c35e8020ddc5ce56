import { HostError, toTwirpError } from '../errors/index.js';
import type { RefusalReason } from './admission-gate.js';

/** A refusal as it goes on the wire: Twirp `unavailable` (503) with Retry-After, encoded once. */
export interface RefusalAnswer {
  readonly status: number;
  /** Retry-After, the JSON content type and the body's length. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * The answer to a turn the gate refused. Under overload refusals come by the thousand per second, so
 * each reason's answer is built once and every refusal writes the same bytes (the Twirp error shape:
 * `{ code: 'unavailable', msg, meta: { retry_after_seconds } }`).
 */
export function refusalAnswers(retryAfterSeconds: number): Readonly<Record<RefusalReason, RefusalAnswer>> {
  const answer = (reason: RefusalReason): RefusalAnswer => {
    const wire = toTwirpError(
      new HostError('HOST_OVERLOADED', `the host is at capacity (${reason.replace('_', ' ')}); retry in ${retryAfterSeconds} s`, {
        meta: { retry_after_seconds: String(retryAfterSeconds) },
      }),
    );
    const body = Buffer.from(JSON.stringify(wire.toJSON()));
    return { status: wire.httpStatus, headers: { ...wire.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) }, body };
  };
  return { queue_full: answer('queue_full'), queue_timeout: answer('queue_timeout') };
}
