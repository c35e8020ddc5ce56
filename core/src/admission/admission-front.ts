import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AdmissionGate } from './admission-gate.js';
import { refusalAnswers } from './refusal-answer.js';
import type { RefusalLog } from './refusal-log.js';
import { pathOf } from './request-path.js';

// Why in front of Fastify: at 2× capacity most turns are refused, and each refusal used to pass through
// everything a served request does — Fastify's request and reply objects, the route lookup, a child
// logger, the tracing, metrics, auth and rate-limit hooks, the reply's serialization and the completion
// log line — about 0.28 ms of CPU each (bench:capacity), a fifth of the host's CPU at 2× spent on turns it
// will not serve, all of it in the event loop every other request waits for. The refusal itself needs the
// method, the path and the gate's state, all known once node:http has parsed the request line and headers,
// so a turn the gate would refuse at once is answered here, with bytes encoded at start-up, before Fastify
// sees it. What gets past this (room, or room in the queue) goes on to Fastify's admission hook as before,
// which also refuses what waited too long in the queue. Only a caller whose key the authenticator has
// cached as valid (with the scope) is refused here: a stranger goes through authentication as before and
// gets `unauthenticated`, so it learns nothing about the replica's load; a refusal here takes no token
// from the caller's rate-limit bucket (it is refused before the rate limit).

/** Options of {@link refuseAtTheFront}. */
export interface AdmissionFrontOptions {
  readonly gate: AdmissionGate;
  /** Request paths that run a chat turn (exact match, query string ignored). */
  readonly paths: readonly string[];
  /** What a refusal's Retry-After says (seconds). */
  readonly retryAfterSeconds: number;
  readonly refusals: RefusalLog;
  /** A refused request whose body may be larger than this (or whose length is unknown) closes its connection. */
  readonly maxBodyBytes: number;
  /**
   * Whether this request's caller may be refused here, before authentication: true only for a caller
   * the auth plugin would let through (cachedCallerCheck), so a stranger still gets `unauthenticated`
   * and learns nothing about the replica's load. Everyone by default.
   */
  readonly isKnownCaller?: (request: IncomingMessage) => boolean;
  /** Counts a refusal answered here in the HTTP request metrics (Fastify's onResponse hook never sees it). */
  readonly countRefusal?: (path: string, method: string) => void;
}

type RequestListener = (this: Server, request: IncomingMessage, response: ServerResponse) => void;

/**
 * Whether the connection can carry the next request after a refusal. Node reads and drops the unread body
 * of a finished response to reach the next request; for a body within the limit that is cheaper than the
 * client's new connection, but a body of unknown or hostile length is not read: the connection closes.
 */
function canKeepAlive(request: IncomingMessage, maxBodyBytes: number): boolean {
  if (request.complete) return true;
  const declared = request.headers['content-length'];
  if (declared === undefined || request.headers['transfer-encoding'] !== undefined) return false;
  const length = Number(declared);
  return Number.isSafeInteger(length) && length >= 0 && length <= maxBodyBytes;
}

/**
 * Puts the gate's at-once refusal in front of `server`'s request listeners (Fastify's handler): a request
 * to one of `paths` (any method, like the admission hook) that the gate would refuse on arrival is answered 503 `unavailable` with Retry-After
 * right away; every other request goes to the listeners unchanged. Call after Fastify created the server.
 */
export function refuseAtTheFront(server: Server, options: AdmissionFrontOptions): void {
  const { gate, refusals, maxBodyBytes, countRefusal } = options;
  const isKnownCaller = options.isKnownCaller ?? (() => true);
  const refusal = refusalAnswers(options.retryAfterSeconds).queue_full;
  const paths = new Set(options.paths);
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const closingHeaders = { ...refusal.headers, connection: 'close' };
  server.on('request', function admissionFront(this: Server, request: IncomingMessage, response: ServerResponse) {
    const path = pathOf(request.url ?? '');
    if (paths.has(path) && gate.isFull() && isKnownCaller(request) && gate.refuseOnArrival()) {
      refusals.note('queue_full', gate);
      countRefusal?.(path, request.method ?? '');
      response.writeHead(refusal.status, canKeepAlive(request, maxBodyBytes) ? refusal.headers : closingHeaders);
      response.end(refusal.body);
      return;
    }
    for (const listener of listeners) listener.call(this, request, response);
  });
}
