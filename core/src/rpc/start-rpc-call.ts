import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { HostError } from '../errors/index.js';
import type { RpcContext } from './rpc-context.js';

/** How the transport bounds one call. */
export interface RpcCallOptions {
  readonly deadlineMs: number;
  readonly now: () => number;
  readonly createContext?: ((request: FastifyRequest) => Partial<RpcContext> | Promise<Partial<RpcContext>>) | undefined;
}

/** One running call: its context and the abort that ends it early. */
export interface RpcCall {
  readonly context: RpcContext;
  readonly signal: AbortSignal;
  /** Ends the call early (the reason is what the client is told: a HostError). */
  abort(reason: HostError): void;
  /** Stops the deadline timer and the disconnect watch; call once the call is over. */
  finish(): void;
}

/**
 * Starts a call: an abort signal that fires at the deadline and when the client disconnects (a
 * response closed before it finished), and the RpcContext the service method receives. Synchronous
 * when `createContext` is (the host's is): an async start cost every call a promise and a hop.
 */
export function startRpcCall(request: FastifyRequest, reply: FastifyReply, options: RpcCallOptions): RpcCall | Promise<RpcCall> {
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(
    () => controller.abort(new HostError('HOST_DEADLINE_EXCEEDED', 'request deadline exceeded')),
    options.deadlineMs,
  );
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new HostError('HOST_CANCELED', 'the client closed the request'));
  };
  reply.raw.once('close', onClose);
  const finish = (): void => {
    clearTimeout(timer);
    reply.raw.off('close', onClose);
  };
  const started = (extra: Partial<RpcContext>): RpcCall => {
    const context: RpcContext = {
      requestId: request.id,
      headers: request.headers,
      signal,
      deadline: options.now() + options.deadlineMs,
      logger: request.log as unknown as Logger,
      clientIp: request.ip,
      ...extra,
    };
    return { context, signal, abort: (reason) => controller.abort(reason), finish };
  };
  const failed = (error: unknown): never => {
    finish();
    throw error;
  };
  let extra: Partial<RpcContext> | Promise<Partial<RpcContext>>;
  try {
    extra = options.createContext === undefined ? {} : options.createContext(request);
  } catch (error) {
    // As from an async start: the caller sees a rejection, not a throw.
    finish();
    return Promise.reject(error);
  }
  return isPromiseLike(extra) ? Promise.resolve(extra).then(started, failed) : started(extra);
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The work's result, or the abort reason once the call is aborted (at once if it already was), so a
 * method that ignores its signal is abandoned, not awaited. The race handles the work's late failure.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_resolve, reject) => {
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    }),
  ]);
}
