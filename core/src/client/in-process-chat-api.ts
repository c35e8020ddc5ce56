import type { ChatService } from '../chat/index.js';
import { TwirpError } from '../errors/index.js';
import { createInProcessChatTransport, type InProcessChatTransportOptions } from '../rpc/index.js';
import type { ChatApi, ChatTurnEvent } from './chat-api.js';
import { TwirpClientError } from './twirp-client-error.js';

/** Options for {@link createInProcessChatApi}: the tenant, the logger and the whole-call deadline (default 45 s). */
export type InProcessChatApiOptions = InProcessChatTransportOptions;

/**
 * The chat API served by this process's own chat use cases, for front-ends that run inside the host
 * (the Telegram webhook, `acai telegram` without --url). The rpc edge's in-process transport gives the
 * same deadline, cancellation, JSON and error mapping as the Twirp transport without encoding
 * anything; failures arrive as TwirpClientError, so a front-end handles one error type whichever way
 * it reaches the host.
 */
export function createInProcessChatApi(chat: ChatService, options: InProcessChatApiOptions): ChatApi {
  const transport = createInProcessChatTransport(chat, options);
  return {
    startConversation: (request, callOptions) => transport.startConversation(request, callOptions).catch(rethrowAsClientError),
    continueConversation: (request, callOptions) => transport.continueConversation(request, callOptions).catch(rethrowAsClientError),
    listConversations: (request, callOptions) => transport.listConversations(request, callOptions).catch(rethrowAsClientError),
    describeConversation: (request, callOptions) => transport.describeConversation(request, callOptions).catch(rethrowAsClientError),
    continueChatStream: (request, callOptions) => withClientErrors(transport.continueChatStream(request, callOptions)),
  };
}

// Delegating keeps early exits working: a reader that stops returns the transport's generator too,
// which cancels the turn.
async function* withClientErrors(events: AsyncGenerator<ChatTurnEvent>): AsyncGenerator<ChatTurnEvent> {
  try {
    yield* events;
  } catch (error) {
    rethrowAsClientError(error);
  }
}

function rethrowAsClientError(error: unknown): never {
  if (!(error instanceof TwirpError)) throw error;
  throw new TwirpClientError(error.code, error.message, { meta: error.meta, httpStatus: error.httpStatus, cause: error.cause });
}
