// The load generators of bench:capacity. Both send POSTs over keep-alive node:http and record every
// request's outcome and latency.
//   closedLoop: `connections` workers, each sending its next request when the previous one answered
//               (what the server can do at most: its capacity).
//   openLoop:   requests start on a fixed schedule whatever the server does, and latency is measured
//               from each request's scheduled start, so a stall is charged to every request it delayed
//               (no coordinated omission).
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** How one request ended. `refused` is a fast 429/503 (admission control or rate limit). */
export type Outcome = 'ok' | 'refused' | 'failed';

/** One target: where turns go and the bodies to send (round-robin). */
export interface TurnTarget {
  readonly url: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodies: readonly string[];
}

/** What a load run observed. Latencies in milliseconds. */
export interface LoadResult {
  readonly elapsedMs: number;
  readonly ok: number[];
  readonly refused: number[];
  readonly failed: number[];
  /** Retry-After values (seconds) seen on refusals. */
  readonly retryAfter: Set<string>;
  /** First few failure descriptions, for the log. */
  readonly failures: string[];
}

/** Keeps the HTTP agent and the body rotation of one target across runs. */
export class TurnClient {
  readonly #target: TurnTarget;
  readonly #agent: Agent;
  readonly #url: URL;
  #next = 0;

  constructor(target: TurnTarget, maxSockets: number) {
    this.#target = target;
    this.#agent = new Agent({ keepAlive: true, maxSockets });
    this.#url = new URL(target.path, target.url);
  }

  /** Sends the next body; resolves (never rejects) with the outcome once the answer was read. */
  send(): Promise<{ outcome: Outcome; detail?: string; retryAfter?: string }> {
    const body = this.#target.bodies[this.#next++ % this.#target.bodies.length]!;
    return new Promise((resolve) => {
      const outgoing = httpRequest(
        this.#url,
        {
          method: 'POST',
          agent: this.#agent,
          headers: { ...this.#target.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const status = answer.statusCode ?? 0;
            if (status === 200) return resolve({ outcome: 'ok' });
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
            const retryAfter = answer.headers['retry-after'];
            if (status === 429 || status === 503) return resolve({ outcome: 'refused', detail: `${status} ${text}`, ...(retryAfter ? { retryAfter } : {}) });
            resolve({ outcome: 'failed', detail: `${status} ${text}` });
          });
          answer.on('error', (error) => resolve({ outcome: 'failed', detail: error.message }));
        },
      );
      outgoing.on('error', (error) => resolve({ outcome: 'failed', detail: error.message }));
      outgoing.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function emptyResult(): LoadResult {
  return { elapsedMs: 0, ok: [], refused: [], failed: [], retryAfter: new Set(), failures: [] };
}

function record(result: LoadResult, answer: Awaited<ReturnType<TurnClient['send']>>, latencyMs: number): void {
  result[answer.outcome].push(latencyMs);
  if (answer.retryAfter !== undefined) result.retryAfter.add(answer.retryAfter);
  if (answer.outcome === 'failed' && result.failures.length < 5) result.failures.push(answer.detail ?? '?');
}

/**
 * `connections` back-to-back senders for `durationMs` (or until `maxRequests` were sent). A sender that
 * was refused waits the Retry-After it was given, as a well-behaved client does: a refusal is cheap but not
 * free, and senders retrying at once would measure a refusal storm instead of the host's capacity.
 */
export async function closedLoop(client: TurnClient, connections: number, durationMs: number, maxRequests = Number.POSITIVE_INFINITY): Promise<LoadResult> {
  const result = emptyResult();
  const started = performance.now();
  const endsAt = started + durationMs;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endsAt && sent < maxRequests) {
      sent += 1;
      const begun = performance.now();
      const answer = await client.send();
      record(result, answer, performance.now() - begun);
      if (answer.outcome === 'refused') {
        const retryAfterMs = Number(answer.retryAfter ?? 1) * 1000;
        await sleep(Math.max(0, Math.min(Number.isFinite(retryAfterMs) ? retryAfterMs : 1000, endsAt - performance.now())));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { ...result, elapsedMs: performance.now() - started };
}

/**
 * Starts `ratePerSecond` requests per second, evenly spaced, for `durationMs`, and waits for all of
 * them. `onAnswer` sees each request's scheduled start (ms from the run's start) and latency.
 */
export async function openLoop(
  client: TurnClient,
  ratePerSecond: number,
  durationMs: number,
  onAnswer?: (scheduledAtMs: number, latencyMs: number, outcome: Outcome) => void,
): Promise<LoadResult> {
  const result = emptyResult();
  const interval = 1000 / ratePerSecond;
  const total = Math.max(1, Math.round((durationMs / 1000) * ratePerSecond));
  const started = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < total; index += 1) {
    const scheduled = started + index * interval;
    const wait = scheduled - performance.now();
    // Timers fire no sooner than 1 ms; everything due by then goes out in one batch.
    if (wait >= 1) await sleep(wait);
    pending.push(
      client.send().then((answer) => {
        const latency = performance.now() - scheduled;
        record(result, answer, latency);
        onAnswer?.(scheduled - started, latency, answer.outcome);
      }),
    );
  }
  await Promise.all(pending);
  return { ...result, elapsedMs: performance.now() - started };
}
