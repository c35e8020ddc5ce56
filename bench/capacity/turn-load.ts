// The load generators of bench:capacity. Both send POSTs over keep-alive node:http and record every
// request's outcome and latency.
//   closedLoop: `connections` workers, each sending its next request when the previous one answered
//               (what the server can do at most: its capacity).
//   openLoop:   requests start on a fixed schedule whatever the server does, and latency is measured
//               from each request's scheduled start, so a stall is charged to every request it delayed
//               (no coordinated omission).
import { Agent, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCEPTED_AT_HEADER, RECEIVED_AT_HEADER } from './process-probe.mjs';

/** How one request ended. `refused` is a fast 429/503 (admission control or rate limit). */
export type Outcome = 'ok' | 'refused' | 'failed';

/** One target: where turns go and the bodies to send (round-robin). */
export interface TurnTarget {
  readonly url: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodies: readonly string[];
}

/**
 * Where one answered request's time went (ms): `lag` from its scheduled start until this process sent it
 * (the generator's own delay), `wait` from sending until the server had read its headers (connection
 * set-up, kernel socket queues, the server's loop busy elsewhere), `rest` from there until this process
 * had read the whole answer (the server's handling, the answer's way back, this process's loop).
 */
export interface LatencyParts {
  readonly total: number;
  readonly lag: number;
  readonly wait: number;
  readonly rest: number;
  /** On a new connection: `wait` split into connecting, waiting to be accepted, and accepted → headers read. */
  readonly connection?: { readonly connect: number; readonly accept: number; readonly read: number };
}

/** One answer as the client saw it. */
export interface Answer {
  readonly outcome: Outcome;
  readonly detail?: string;
  readonly retryAfter?: string;
  /** performance.now() when the request was handed to node:http. */
  readonly sentAt: number;
  /** performance.now() (this process's clock) when the server had read the headers, when it said so. */
  readonly receivedAt?: number;
  /** On a connection opened for this request: when it connected, and when the server accepted it. */
  readonly connectedAt?: number;
  readonly acceptedAt?: number;
}

/** What a load run observed. Latencies in milliseconds. */
export interface LoadResult {
  readonly elapsedMs: number;
  readonly ok: number[];
  /** The parts of every `ok` latency whose server said when it read the request. */
  readonly parts: LatencyParts[];
  /** The same for refusals. */
  readonly refusedParts: LatencyParts[];
  /** Connections this client opened during the run. */
  newConnections: number;
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
  readonly #sockets = new WeakSet<Socket>();
  #next = 0;
  /** Connections opened so far (a keep-alive client opens one per concurrent request it ever had). */
  connectionsOpened = 0;

  constructor(target: TurnTarget, maxSockets: number) {
    this.#target = target;
    // noDelay is Node's default for http.Agent (and for http.Server) since Node 18; explicit, so the bench
    // can never measure Nagle holding a request's body back until the headers' segment was acknowledged.
    this.#agent = new Agent({ keepAlive: true, maxSockets, noDelay: true });
    this.#url = new URL(target.path, target.url);
  }

  /** Sends the next body; resolves (never rejects) with the outcome once the answer was read. */
  send(): Promise<Answer> {
    const body = this.#target.bodies[this.#next++ % this.#target.bodies.length]!;
    const sentAt = performance.now();
    let connectedAt: number | undefined;
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
          const receivedHeader = Number(answer.headers[RECEIVED_AT_HEADER]);
          const acceptedHeader = Number(answer.headers[ACCEPTED_AT_HEADER]);
          const timing = {
            sentAt,
            ...(Number.isFinite(receivedHeader) && receivedHeader > 0 ? { receivedAt: receivedHeader - performance.timeOrigin } : {}),
            ...(connectedAt !== undefined && Number.isFinite(acceptedHeader) && acceptedHeader > 0 ? { connectedAt, acceptedAt: acceptedHeader - performance.timeOrigin } : {}),
          };
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const status = answer.statusCode ?? 0;
            if (status === 200) return resolve({ outcome: 'ok', ...timing });
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
            const retryAfter = answer.headers['retry-after'];
            if (status === 429 || status === 503) return resolve({ outcome: 'refused', detail: `${status} ${text}`, ...timing, ...(retryAfter ? { retryAfter } : {}) });
            resolve({ outcome: 'failed', detail: `${status} ${text}`, ...timing });
          });
          answer.on('error', (error) => resolve({ outcome: 'failed', detail: error.message, sentAt }));
        },
      );
      outgoing.on('socket', (socket) => {
        if (this.#sockets.has(socket)) return;
        this.#sockets.add(socket);
        this.connectionsOpened += 1;
        socket.once('connect', () => {
          connectedAt = performance.now();
        });
      });
      outgoing.on('error', (error) => resolve({ outcome: 'failed', detail: error.message, sentAt }));
      outgoing.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function emptyResult(): LoadResult {
  return { elapsedMs: 0, ok: [], parts: [], refusedParts: [], newConnections: 0, refused: [], failed: [], retryAfter: new Set(), failures: [] };
}

/** Records one answer; `startedAt` is when it was due (open loop) or sent (closed loop). */
function record(result: LoadResult, answer: Answer, startedAt: number, endedAt: number): void {
  const latencyMs = endedAt - startedAt;
  result[answer.outcome].push(latencyMs);
  if (answer.outcome !== 'failed' && answer.receivedAt !== undefined) {
    (answer.outcome === 'ok' ? result.parts : result.refusedParts).push({
      total: latencyMs,
      lag: answer.sentAt - startedAt,
      wait: answer.receivedAt - answer.sentAt,
      rest: endedAt - answer.receivedAt,
      ...(answer.connectedAt !== undefined && answer.acceptedAt !== undefined
        ? { connection: { connect: answer.connectedAt - answer.sentAt, accept: answer.acceptedAt - answer.connectedAt, read: answer.receivedAt - answer.acceptedAt } }
        : {}),
    });
  }
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
  const openedBefore = client.connectionsOpened;
  const endsAt = started + durationMs;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endsAt && sent < maxRequests) {
      sent += 1;
      const begun = performance.now();
      const answer = await client.send();
      record(result, answer, begun, performance.now());
      if (answer.outcome === 'refused') {
        const retryAfterMs = Number(answer.retryAfter ?? 1) * 1000;
        await sleep(Math.max(0, Math.min(Number.isFinite(retryAfterMs) ? retryAfterMs : 1000, endsAt - performance.now())));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { ...result, newConnections: client.connectionsOpened - openedBefore, elapsedMs: performance.now() - started };
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
  const openedBefore = client.connectionsOpened;
  const pending: Array<Promise<void>> = [];
  for (let index = 0; index < total; index += 1) {
    const scheduled = started + index * interval;
    const wait = scheduled - performance.now();
    // Timers fire no sooner than 1 ms; everything due by then goes out in one batch.
    if (wait >= 1) await sleep(wait);
    pending.push(
      client.send().then((answer) => {
        const endedAt = performance.now();
        record(result, answer, scheduled, endedAt);
        onAnswer?.(scheduled - started, endedAt - scheduled, answer.outcome);
      }),
    );
  }
  await Promise.all(pending);
  return { ...result, newConnections: client.connectionsOpened - openedBefore, elapsedMs: performance.now() - started };
}
