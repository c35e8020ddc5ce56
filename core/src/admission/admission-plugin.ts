import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HostError, toTwirpError } from '../errors/index.js';
import { AdmissionRefusedError, type AdmissionGate, type AdmissionTicket } from './admission-gate.js';

/** Options of {@link admissionPlugin}. */
export interface AdmissionPluginOptions {
  readonly gate: AdmissionGate;
  /** Request paths that run a chat turn (exact match, query string ignored). */
  readonly paths: readonly string[];
  /** What a refusal's Retry-After says (seconds, default 1). */
  readonly retryAfterSeconds?: number;
}

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/** An abort signal for a queued request: fires when the client goes away before it was admitted. */
function clientGone(request: FastifyRequest): { signal: AbortSignal; detach: () => void } {
  const controller = new AbortController();
  const onClose = (): void => controller.abort(new HostError('HOST_CANCELED', 'the client closed the request while it waited for room'));
  request.raw.socket?.once('close', onClose);
  return { signal: controller.signal, detach: () => request.raw.socket?.off('close', onClose) };
}

function refuse(reply: FastifyReply, reason: string, retryAfterSeconds: number): FastifyReply {
  const wire = toTwirpError(
    new HostError('HOST_OVERLOADED', `the host is at capacity (${reason.replace('_', ' ')}); retry in ${retryAfterSeconds} s`, {
      meta: { retry_after_seconds: String(retryAfterSeconds) },
    }),
  );
  return reply.code(wire.httpStatus).headers(wire.headers).type('application/json').send(wire.toJSON());
}

/**
 * Admission control for chat turns: each request to one of `paths` takes room in the gate before its
 * body is read, and gives it back when its response is finished or the connection closes (streams
 * included); a turn the gate refuses gets Twirp `unavailable` (503) with Retry-After at once. Register
 * after the auth and rate-limit plugins, so unauthenticated and rate-limited requests take no room.
 */
const admissionPluginCallback: FastifyPluginCallback<AdmissionPluginOptions> = (app, options, done) => {
  const paths = new Set(options.paths);
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const { gate } = options;
  // Under overload refusals come by the thousand; one line per second says enough.
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;

  // 'close' follows every ending of the response: sent, failed, or the connection dropped mid-stream.
  const holdUntilDone = (reply: FastifyReply, ticket: AdmissionTicket): void => {
    reply.raw.once('close', ticket.release);
    reply.raw.once('finish', ticket.release);
  };

  /** The turn waits in the queue (watching for the client to leave) or is refused. */
  const queue = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const gone = clientGone(request);
    let ticket;
    try {
      ticket = await gate.enter(gone.signal);
    } catch (error) {
      if (error instanceof AdmissionRefusedError) {
        unlogged += 1;
        if (performance.now() - lastLoggedAt >= 1000) {
          request.log.warn({ reason: error.reason, refused: unlogged, inFlight: gate.inFlight, queued: gate.queued, limit: gate.limit }, 'turns refused: the host is at capacity');
          lastLoggedAt = performance.now();
          unlogged = 0;
        }
        return refuse(reply, error.reason, retryAfterSeconds);
      }
      throw error;
    } finally {
      gone.detach();
    }
    holdUntilDone(reply, ticket);
    return undefined;
  };

  // A callback hook, not an async one: a turn admitted at once (the usual case) costs no promise, no
  // microtask hop and no client-gone signal; only a turn that has to queue takes the async path.
  app.addHook('onRequest', (request, reply, next) => {
    if (!paths.has(pathOf(request.url))) {
      next();
      return;
    }
    const ticket = gate.tryEnter();
    if (ticket !== undefined) {
      holdUntilDone(reply, ticket);
      next();
      return;
    }
    // As Fastify runs an async hook: go on once it settles (a refusal has sent the reply by then).
    queue(request, reply).then(() => next(), next);
  });
  done();
};

/** Fastify plugin: bounded in-flight chat turns with a short queue and fast 503 refusals. */
export const admissionPlugin = fastifyPlugin(admissionPluginCallback, { name: 'acai-admission', fastify: '5.x' });
