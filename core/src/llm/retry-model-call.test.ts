import { APIConnectionTimeoutError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ModelCallRetries, type ModelCallRetrySettings } from './retry-model-call.js';
import { DEFAULT_RETRY_POLICY } from './retry-policy.js';
import { hostErrorOf } from '../errors/testing/host-error-of.js';

const transient = (): Error => new Error('read ECONNRESET');

// random() = 0 makes every computed backoff 0 ms, so retries follow each other without waiting.
function retries(overrides: Partial<ModelCallRetrySettings> = {}): ModelCallRetries {
  return new ModelCallRetries({
    policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 },
    attemptTimeoutMs: 60_000,
    call: { signal: new AbortController().signal, deadline: Date.now() + 60_000 },
    random: () => 0,
    hasHandedOutText: () => false,
    ...overrides,
  });
}

/** An attempt that fails with each of `failures` in turn, then answers `ok`. */
function scripted(...failures: unknown[]): () => Promise<string> {
  return () => (failures.length > 0 ? Promise.reject(failures.shift()) : Promise.resolve('ok'));
}

describe('ModelCallRetries', () => {
  it('answers from the first attempt, giving it a live signal', async () => {
    const call = retries();
    let signal: AbortSignal | undefined;
    await expect(call.run(async (attemptSignal) => ((signal = attemptSignal), 'ok'))).resolves.toBe('ok');
    expect(call.attempts).toBe(1);
    expect(signal?.aborted).toBe(false);
  });

  it('retries transient failures and counts every attempt', async () => {
    const call = retries();
    await expect(call.run(scripted(transient(), APIError.generate(503, undefined, 'busy', new Headers())))).resolves.toBe('ok');
    expect(call.attempts).toBe(3);
  });

  it('gives up after the last attempt with HOST_MODEL_UNAVAILABLE, keeping the last failure as the cause', async () => {
    const call = retries();
    const last = transient();
    const error = await hostErrorOf(call.run(scripted(transient(), transient(), last)));
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(error.message).toBe('the model endpoint is temporarily unavailable; retry later');
    expect(error.cause).toBe(last);
    expect(call.attempts).toBe(3);
  });

  it('does not retry a rejected request', async () => {
    const call = retries();
    const error = await hostErrorOf(call.run(scripted(APIError.generate(400, { error: { message: 'bad' } }, undefined, new Headers()))));
    expect(error.code).toBe('HOST_MODEL_REJECTED');
    expect(call.attempts).toBe(1);
  });

  it('never retries once text was handed out, so the client never sees the start of the reply twice', async () => {
    const call = retries({ hasHandedOutText: () => true });
    const error = await hostErrorOf(call.run(scripted(transient())));
    expect(error.code).toBe('HOST_MODEL_UNAVAILABLE');
    expect(error.message).toContain('mid-stream');
    expect(call.attempts).toBe(1);
  });

  it('fails fast when the server asks for a longer wait than the policy allows', async () => {
    const call = retries();
    const error = await hostErrorOf(call.run(scripted(APIError.generate(429, undefined, 'slow down', new Headers({ 'retry-after': '3600' })))));
    expect(error.message).toBe('the model endpoint is rate limited; retry later');
    expect(call.attempts).toBe(1);
  });

  it('does not wait for a retry that could not finish before the deadline', async () => {
    const call = retries({ call: { signal: new AbortController().signal, deadline: Date.now() + 5_000 } });
    const cause = APIError.generate(429, undefined, 'slow down', new Headers({ 'retry-after-ms': '10000' }));
    const error = await hostErrorOf(call.run(scripted(cause)));
    expect(error.code).toBe('HOST_DEADLINE_EXCEEDED');
    expect(error.cause).toBe(cause);
  });

  it('starts no attempt when the deadline has passed or is closer than the shortest useful attempt', async () => {
    for (const deadline of [Date.now() - 1, Date.now() + DEFAULT_RETRY_POLICY.minAttemptMs - 100]) {
      const call = retries({ call: { signal: new AbortController().signal, deadline } });
      expect((await hostErrorOf(call.run(scripted()))).code).toBe('HOST_DEADLINE_EXCEEDED');
      expect(call.attempts).toBe(0);
    }
  });

  it('reports a caller that left as HOST_CANCELED, before or during an attempt, without retrying', async () => {
    const gone = new AbortController();
    gone.abort();
    const before = retries({ call: { signal: gone.signal, deadline: Date.now() + 60_000 } });
    expect((await hostErrorOf(before.run(scripted()))).code).toBe('HOST_CANCELED');
    expect(before.attempts).toBe(0);

    const leaving = new AbortController();
    const during = retries({ call: { signal: leaving.signal, deadline: Date.now() + 60_000 } });
    const error = await hostErrorOf(
      during.run(
        (signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason as Error));
            leaving.abort();
          }),
      ),
    );
    expect(error.code).toBe('HOST_CANCELED');
    expect(during.attempts).toBe(1);
  });

  it('reports a caller whose own deadline signal fired as HOST_DEADLINE_EXCEEDED', async () => {
    const call = retries({ call: { signal: AbortSignal.abort(new DOMException('timed out', 'TimeoutError')), deadline: Date.now() + 60_000 } });
    expect((await hostErrorOf(call.run(scripted()))).code).toBe('HOST_DEADLINE_EXCEEDED');
  });

  it('stops waiting for a backoff as soon as the caller leaves', async () => {
    const leaving = new AbortController();
    // random() = 1 with a long base delay: the retry would wait far longer than this test may take.
    const call = retries({ policy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 600_000, maxDelayMs: 600_000 }, random: () => 1, call: { signal: leaving.signal, deadline: Date.now() + 3_600_000 } });
    const error = await hostErrorOf(
      call.run(() => {
        // Leaves once the failed attempt has been handled and the backoff has begun.
        setImmediate(() => leaving.abort());
        return Promise.reject(transient());
      }),
    );
    expect(error.code).toBe('HOST_CANCELED');
    expect(call.attempts).toBe(1);
  });

  it('aborts an attempt that outlives the attempt timeout and tries again', async () => {
    const call = retries({ attemptTimeoutMs: 50 });
    let attempt = 0;
    const answer = await call.run(
      (signal) =>
        new Promise<string>((resolve, reject) => {
          attempt += 1;
          if (attempt === 2) resolve('second');
          // The first attempt hangs until its own timeout aborts it, as a stalled connection would.
          else signal.addEventListener('abort', () => reject(new APIConnectionTimeoutError()));
        }),
    );
    expect(answer).toBe('second');
    expect(call.attempts).toBe(2);
  });
});
