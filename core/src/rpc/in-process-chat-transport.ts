import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallerContext, ChatService } from '../chat/index.js';
import { HostError, TwirpError, toTwirpError } from '../errors/index.js';
import { tracedCaller } from './chat-caller.js';
import type {
  ContinueChatStreamRequestJson,
  ContinueConversationRequestJson,
  ContinueConversationResponseJson,
  DescribeConversationRequestJson,
  DescribeConversationResponseJson,
  ListConversationsRequestJson,
  ListConversationsResponseJson,
  StartConversationRequestJson,
  StartConversationResponseJson,
} from './chat-json.js';
import type { ChatTurnEventJson } from './chat-stream-events.js';
import { CONTINUE_CHAT_STREAM, streamChatTurn, type ChatTurnEventSink } from './chat-stream-method.js';
import { continueInputFromJson, describeInputFromJson, listInputFromJson, startInputFromJson } from './from-chat-json.js';
import { InProcessEventChannel } from './in-process-event-channel.js';
import { untilAborted } from './start-rpc-call.js';
import {
  toContinueConversationJson,
  toDescribeConversationJson,
  toListConversationsJson,
  toStartConversationJson,
} from './to-chat-json.js';

/** The whole-call deadline of an in-process call unless the host passes its own (REQUEST_DEADLINE_MS). */
export const DEFAULT_IN_PROCESS_DEADLINE_MS = 45_000;

/** Options for {@link createInProcessChatTransport}. */
export interface InProcessChatTransportOptions {
  /** The tenant every call acts for (there is no API key in-process). */
  readonly tenantId: string;
  readonly logger: Logger;
  /** Whole-call deadline, as the Twirp transport's request deadline (default 45 s). */
  readonly deadlineMs?: number | undefined;
}

/** Per-call options. */
export interface InProcessCallOptions {
  /** The caller giving up: the call is cancelled as when a remote client disconnects. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * The chat API for front-ends running inside the host, in the wire's JSON shapes. Every failure is the
 * TwirpError a remote client would receive (its `cause` the original error, for logs).
 */
export interface InProcessChatTransport {
  startConversation(request: StartConversationRequestJson, options?: InProcessCallOptions): Promise<StartConversationResponseJson>;
  continueConversation(request: ContinueConversationRequestJson, options?: InProcessCallOptions): Promise<ContinueConversationResponseJson>;
  listConversations(request: ListConversationsRequestJson, options?: InProcessCallOptions): Promise<ListConversationsResponseJson>;
  describeConversation(request: DescribeConversationRequestJson, options?: InProcessCallOptions): Promise<DescribeConversationResponseJson>;
  /**
   * ContinueChatStream's events, `message` last; a failure — before the first event or during the turn —
   * is thrown rather than sent as an `error` event. Leaving the loop early cancels the turn.
   */
  continueChatStream(request: ContinueChatStreamRequestJson, options?: InProcessCallOptions): AsyncGenerator<ChatTurnEventJson>;
}

/** One call in flight: its caller context and the abort that ends it. */
interface InProcessCall {
  readonly caller: CallerContext;
  readonly signal: AbortSignal;
  abort(reason: HostError): void;
  /** The failure as a remote client would see it (the abort reason wins, as on the wire). */
  failure(error: unknown, method: string): TwirpError;
  finish(): void;
}

/**
 * Serves the chat use cases to callers in this process the way the Twirp transport serves remote
 * ones — same deadline, cancellation, caller context and error mapping, the same JSON — without
 * encoding anything: requests are read straight into use-case inputs and results mapped straight to
 * the wire's JSON (to-chat-json.ts, checked against the protobuf codec by its test).
 */
export function createInProcessChatTransport(chat: ChatService, options: InProcessChatTransportOptions): InProcessChatTransport {
  const deadlineMs = options.deadlineMs ?? DEFAULT_IN_PROCESS_DEADLINE_MS;

  function startCall(callOptions: InProcessCallOptions): InProcessCall {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new HostError('HOST_DEADLINE_EXCEEDED', 'request deadline exceeded')), deadlineMs);
    const onCallerAbort = () => controller.abort(new HostError('HOST_CANCELED', 'the caller cancelled the request'));
    if (callOptions.signal?.aborted) onCallerAbort();
    else callOptions.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const requestId = randomUUID();
    const caller = tracedCaller({
      tenantId: options.tenantId,
      signal: controller.signal,
      deadline: Date.now() + deadlineMs,
      logger: options.logger.child({ requestId }),
    });
    return {
      caller,
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      failure(error, method) {
        const wire = toTwirpError(controller.signal.aborted ? controller.signal.reason : error);
        if (wire.code === 'internal') options.logger.error({ err: error, method }, 'in-process chat call failed');
        return Object.assign(new TwirpError(wire.code, wire.message, wire.meta, wire.headers), { cause: error });
      },
      finish() {
        clearTimeout(timer);
        callOptions.signal?.removeEventListener('abort', onCallerAbort);
      },
    };
  }

  async function unary<Response>(method: string, callOptions: InProcessCallOptions = {}, run: (caller: CallerContext) => Promise<Response>): Promise<Response> {
    const call = startCall(callOptions);
    try {
      if (call.signal.aborted) throw call.signal.reason;
      // A use case that ignores the signal is abandoned at the deadline, as the Twirp transport does.
      return await untilAborted(run(call.caller), call.signal);
    } catch (error) {
      throw call.failure(error, method);
    } finally {
      call.finish();
    }
  }

  async function* continueChatStream(request: ContinueChatStreamRequestJson, callOptions: InProcessCallOptions = {}): AsyncGenerator<ChatTurnEventJson> {
    const call = startCall(callOptions);
    const channel = new InProcessEventChannel<ChatTurnEventJson>(call.signal);
    // The typed send pairs each event name with its data; the channel holds the union of those pairs.
    const sink: ChatTurnEventSink = { send: (event, data) => channel.push({ event, data } as ChatTurnEventJson) };
    try {
      channel.follow(streamChatTurn(chat, call.caller, continueInputFromJson(request), sink));
      yield* channel;
    } catch (error) {
      throw call.failure(error, CONTINUE_CHAT_STREAM);
    } finally {
      // Left early: the turn is cancelled, as when a remote client closes the connection.
      if (!channel.isDone) call.abort(new HostError('HOST_CANCELED', 'the caller stopped reading the stream'));
      call.finish();
    }
  }

  return {
    startConversation: (request, callOptions) =>
      unary('StartConversation', callOptions, async (caller) => toStartConversationJson(await chat.startConversation(caller, startInputFromJson(request)))),
    continueConversation: (request, callOptions) =>
      unary('ContinueConversation', callOptions, async (caller) =>
        toContinueConversationJson(await chat.continueConversation(caller, continueInputFromJson(request))),
      ),
    listConversations: (request, callOptions) =>
      unary('ListConversations', callOptions, async (caller) => toListConversationsJson(await chat.listConversations(caller, listInputFromJson(request)))),
    describeConversation: (request, callOptions) =>
      unary('DescribeConversation', callOptions, async (caller) =>
        toDescribeConversationJson(await chat.describeConversation(caller, describeInputFromJson(request))),
      ),
    continueChatStream,
  };
}
