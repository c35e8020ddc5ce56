import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { HostError } from '../errors/index.js';
import { AdmissionRefusedError, type AdmissionGate, type AdmissionTicket } from './admission-gate.js';
import { refusalAnswers, type RefusalAnswer } from './refusal-answer.js';
import { createRefusalLog, type RefusalLog } from './refusal-log.js';
import { pathOf } from './request-path.js';

/** Options of {@link admissionPlugin}. */
export interface AdmissionPluginOptions {
  readonly gate: AdmissionGate;
  /** Request paths that run a chat turn (exact match, query string ignored). */
  readonly paths: readonly string[];
  /** What a refusal's Retry-After says (seconds, default 1). */
  readonly retryAfterSeconds?: number;
  /** Where refusals are counted and logged in aggregate (shared with the front door); the app's logger by default. */
  readonly refusals?: RefusalLog;
}

/** An abort signal for a queued request: fires when the client goes away before it was admitted. */
function clientGone(request: FastifyRequest): { signal: AbortSignal; detach: () => void } {
  const controller = new AbortController();
  const onClose = (): void => controller.abort(new HostError('HOST_CANCELED', 'the client closed the request while it waited for room'));
  request.raw.socket?.once('close', onClose);
  return { signal: controller.signal, detach: () => request.raw.socket?.off('close', onClose) };
}

function refuse(reply: FastifyReply, answer: RefusalAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/**
 * Admission control for chat turns: each request to one of `paths` takes room in the gate before its
 * body is read, and gives it back when its response is finished or the connection closes (streams
 * included); a turn the gate refuses gets Twirp `unavailable` (503) with Retry-After at once. Register
 * after the auth and rate-limit plugins, so unauthenticated and rate-limited requests take no room.
 * (registerAdmission also puts the gate's at-once refusal in front of Fastify, see admission-front.ts;
 * what reaches this hook is then a turn that had room, or room in the queue, a moment ago.)
 */
const admissionPluginCallback: FastifyPluginCallback<AdmissionPluginOptions> = (app, options, done) => {
  const paths = new Set(options.paths);
  const answers = refusalAnswers(options.retryAfterSeconds ?? 1);
  const { gate } = options;
  const refusals = options.refusals ?? createRefusalLog(app.log);

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
        refusals.note(error.reason, gate);
        return refuse(reply, answers[error.reason]);
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
