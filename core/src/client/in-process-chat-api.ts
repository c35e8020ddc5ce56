import { randomUUID } from 'node:crypto';
import type { DescMethodUnary } from '@bufbuild/protobuf';
import type { Logger } from 'pino';
import type { ChatService } from '../chat/index.js';
import { HostError, toTwirpError } from '../errors/index.js';
import { createChatHandlers } from '../rpc/chat-handlers.js';
import { ChatService as ChatServiceDescriptor } from '../rpc/index.js';
import type { RpcContext } from '../rpc/index.js';
import { decodeTwirpRequest, encodeTwirpResponse } from '../rpc/twirp-codec.js';
import { createChatStreamMethod } from '../rpc/chat-stream-method.js';
import type { ServerEventStream } from '../rpc/server-event-stream.js';
import type { ChatApi, ChatCallOptions, ChatTurnEvent, ContinueChatStreamRequest } from './chat-api.js';
import { toChatTurnEvent } from './chat-turn-events.js';
import { TwirpClientError } from './twirp-client-error.js';

/** Options for {@link createInProcessChatApi}. */
export interface InProcessChatApiOptions {
  /** The tenant every call acts for (there is no API key in-process). */
  readonly tenantId: string;
  readonly logger: Logger;
  /** Whole-call deadline, as the Twirp transport's request deadline (default 45 s). */
  readonly deadlineMs?: number;
}

/**
 * The chat API served by this process's own chat use cases, for front-ends that run inside the host
 * (the Telegram webhook, `acai telegram` without --url). Requests and responses go through the same
 * handlers and JSON codec as the Twirp transport, and failures through the same toTwirpError mapping,
 * so a front-end sees byte-for-byte what a remote client would, including TwirpClientError codes.
 */
export function createInProcessChatApi(chat: ChatService, options: InProcessChatApiOptions): ChatApi {
  const handlers = createChatHandlers(chat) as unknown as Record<string, (request: unknown, context: RpcContext) => Promise<unknown>>;
  const streamMethod = createChatStreamMethod(chat);
  const deadlineMs = options.deadlineMs ?? 45_000;
  const methods = new Map(ChatServiceDescriptor.methods.map((method) => [method.localName, method as DescMethodUnary]));

  /** A call as the Twirp transport would run it: deadline, the caller's cancellation, the tenant's context. */
  function startCall(callOptions: ChatCallOptions) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new HostError('HOST_DEADLINE_EXCEEDED', 'request deadline exceeded')), deadlineMs);
    const onCallerAbort = () => controller.abort(new HostError('HOST_CANCELED', 'the caller cancelled the request'));
    callOptions.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const requestId = randomUUID();
    const context: RpcContext = {
      requestId,
      headers: {},
      signal: controller.signal,
      deadline: Date.now() + deadlineMs,
      logger: options.logger.child({ requestId }),
      principal: { tenantId: options.tenantId },
      clientIp: '127.0.0.1',
    };
    return {
      context,
      controller,
      /** The failure as a remote client would see it (the abort reason wins, as on the wire). */
      clientError(error: unknown, methodName: string): TwirpClientError {
        const wire = toTwirpError(controller.signal.aborted ? controller.signal.reason : error);
        if (wire.code === 'internal') options.logger.error({ err: error, method: methodName }, 'in-process chat call failed');
        return new TwirpClientError(wire.code, wire.message, { meta: wire.meta, httpStatus: wire.httpStatus, cause: error });
      },
      finish() {
        clearTimeout(timer);
        callOptions.signal?.removeEventListener('abort', onCallerAbort);
      },
    };
  }

  async function invoke<Response>(localName: string, request: object, callOptions: ChatCallOptions = {}): Promise<Response> {
    const method = methods.get(localName)!;
    const call = startCall(callOptions);
    try {
      const input = decodeTwirpRequest(method.input, 'json', Buffer.from(JSON.stringify(request)));
      const output = await handlers[localName]!(input, call.context);
      return JSON.parse(encodeTwirpResponse(method.output, 'json', output as never).toString('utf8')) as Response;
    } catch (error) {
      throw call.clientError(error, method.name);
    } finally {
      call.finish();
    }
  }

  async function* stream(request: ContinueChatStreamRequest, callOptions: ChatCallOptions = {}): AsyncGenerator<ChatTurnEvent> {
    const call = startCall(callOptions);
    const channel = new EventChannel(call.controller.signal);
    try {
      const input = decodeTwirpRequest(streamMethod.input, 'json', Buffer.from(JSON.stringify(request)));
      const work = streamMethod.handler(input, call.context, channel);
      channel.follow(work);
      for await (const { event, data } of channel) {
        const turnEvent = toChatTurnEvent(event, data);
        if (turnEvent === undefined || TwirpClientError.isInstance(turnEvent)) continue;
        yield turnEvent;
      }
    } catch (error) {
      throw call.clientError(error, streamMethod.name);
    } finally {
      // Left early: the turn is cancelled, as when a remote client closes the connection.
      if (!channel.isDone) call.controller.abort(new HostError('HOST_CANCELED', 'the caller stopped reading the stream'));
      call.finish();
    }
  }

  return {
    startConversation: (request, callOptions) => invoke('startConversation', request, callOptions),
    continueConversation: (request, callOptions) => invoke('continueConversation', request, callOptions),
    listConversations: (request, callOptions) => invoke('listConversations', request, callOptions),
    describeConversation: (request, callOptions) => invoke('describeConversation', request, callOptions),
    continueChatStream: (request, callOptions) => stream(request, callOptions),
  };
}

// A few events may wait for the reader; beyond that the turn waits, as it would for a slow socket.
const MAX_QUEUED_EVENTS = 16;

/**
 * The in-process stand-in for the SSE connection: events pass through JSON (so readers get exactly
 * what a remote client parses), a full queue holds the turn back, and the turn's failure — or the
 * call's abort, even if the turn ignores it — ends the iteration with that error.
 */
class EventChannel implements ServerEventStream, AsyncIterable<{ event: string; data: unknown }> {
  readonly #signal: AbortSignal;
  readonly #queue: Array<{ event: string; data: unknown }> = [];
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;
  #outcome: { failed: boolean; error?: unknown } | undefined;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener('abort', () => this.#settle({ failed: true, error: signal.reason }), { once: true });
  }

  get isDone(): boolean {
    return this.#outcome !== undefined;
  }

  follow(work: Promise<void>): void {
    work.then(
      () => this.#settle({ failed: false }),
      (error: unknown) => this.#settle({ failed: true, error }),
    );
  }

  async send(event: string, data: object): Promise<void> {
    if (this.#signal.aborted) throw this.#signal.reason;
    this.#queue.push({ event, data: JSON.parse(JSON.stringify(data)) as unknown });
    this.#wakeReader?.();
    if (this.#queue.length >= MAX_QUEUED_EVENTS) await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<{ event: string; data: unknown }> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        this.#wakeWriter?.();
        this.#wakeWriter = undefined;
        yield next;
        continue;
      }
      if (this.#outcome?.failed) throw this.#outcome.error;
      if (this.#outcome) return;
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
      this.#wakeReader = undefined;
    }
  }

  #settle(outcome: { failed: boolean; error?: unknown }): void {
    this.#outcome ??= outcome;
    this.#wakeReader?.();
    this.#wakeWriter?.();
  }
}
