import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HostError, TwirpError, toTwirpError } from '../errors/index.js';
import type { ServerStreamMethod, ServerStreamObserver } from './server-event-stream.js';
import { ServerSentEvents } from './server-sent-events.js';
import { startRpcCall, untilAborted, type RpcCallOptions } from './start-rpc-call.js';
import { readTwirpRequest, requireTwirpContentType } from './twirp-request.js';

/** How the server streams of one service are served. */
export interface ServerStreamsOptions {
  /** `<prefix>/<package.Service>`: each method is served at `<servicePath>/<name>`. */
  readonly servicePath: string;
  readonly methods: readonly ServerStreamMethod[];
  readonly callOptions: RpcCallOptions;
  readonly keepAliveMs?: number | undefined;
  /**
   * After the server starts closing, streams still open this long are ended with an `unavailable`
   * error event, so they finish cleanly inside the shutdown deadline instead of being cut.
   */
  readonly shutdownGraceMs: number;
  readonly observer?: ServerStreamObserver | undefined;
}

/**
 * Registers the server-streaming methods in the Twirp scope (its body parser and error handler apply):
 * POST with a Twirp request body and `Accept` admitting `text/event-stream` (or no `Accept` at all),
 * answered with Server-Sent Events. Until the first event a failure is an ordinary Twirp error
 * response; afterwards it is a terminal `error` event carrying the same `{code,msg,meta}`.
 */
export function registerServerStreams(scope: FastifyInstance, options: ServerStreamsOptions): void {
  const open = new Set<(reason: HostError) => void>();
  let isClosing = false;

  scope.addHook('preClose', (done) => {
    isClosing = true;
    // New requests get a Twirp `unavailable` now (answerWhileClosing); streams still open after the grace period are ended
    // (including any whose request was still being read at this moment).
    setTimeout(() => {
      for (const abort of open) abort(new HostError('HOST_SHUTTING_DOWN', 'the host is shutting down; retry the request'));
    }, options.shutdownGraceMs).unref();
    done();
  });

  for (const method of options.methods) {
    const url = `${options.servicePath}/${method.name}`;
    scope.route({
      method: 'POST',
      url,
      onRequest: async (request) => {
        await requireTwirpContentType(request);
        if (!acceptsEventStream(request)) {
          throw new TwirpError('invalid_argument', `${method.name} answers with text/event-stream; send Accept: text/event-stream`, {
            argument: 'accept',
          });
        }
      },
      handler: async (request, reply) => {
        const { input } = readTwirpRequest(request, method.input);
        const call = await startRpcCall(request, reply, options.callOptions);
        const events = new ServerSentEvents(reply.raw, { signal: call.signal, ...(options.keepAliveMs ? { keepAliveMs: options.keepAliveMs } : {}) });
        const startedAt = performance.now();
        open.add(call.abort);
        options.observer?.opened(url);
        let outcome = 'ok';
        try {
          await untilAborted(method.handler(input, call.context, events), call.signal);
        } catch (caught) {
          // After the deadline, a disconnect or the shutdown grace, the abort is the answer.
          const error = call.signal.aborted ? call.signal.reason : caught;
          const twirpError = toTwirpError(error);
          outcome = twirpError.code;
          if (!events.isOpen) throw error;
          logStreamFailure(request, error, twirpError);
          // Unlike an error response body, the event always carries `meta` (the stream contract's shape).
          events.end('error', { code: twirpError.code, msg: twirpError.message, meta: twirpError.meta });
        } finally {
          call.finish();
          open.delete(call.abort);
          options.observer?.closed(url, outcome, performance.now() - startedAt);
        }
        // The events went straight to the socket; Fastify must not answer again.
        reply.hijack();
        // A closing server waits for its connections: this one is done, so it does not stay kept-alive.
        if (isClosing) reply.raw.once('finish', () => request.raw.socket?.end());
        events.end();
      },
    });
  }
}

/** No `Accept`, or one admitting `text/event-stream` (`text/*`, `*` + `/*`) with a non-zero q. */
function acceptsEventStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const isRejected = parameters.some((parameter) => /^q=0(\.0*)?$/.test(parameter));
    return !isRejected && (type === 'text/event-stream' || type === 'text/*' || type === '*/*');
  });
}

function logStreamFailure(request: FastifyRequest, error: unknown, twirpError: TwirpError): void {
  if (twirpError.code === 'canceled') request.log.info('stream ended: the client went away');
  else if (HostError.isInstance(error) && error.code === 'HOST_SHUTTING_DOWN') request.log.info('stream ended: the host is shutting down');
  else if (twirpError.httpStatus >= 500) request.log.error({ err: error, twirpCode: twirpError.code }, 'stream failed');
  else request.log.info({ twirpCode: twirpError.code, twirpMessage: twirpError.message }, 'stream ended with an error event');
}
