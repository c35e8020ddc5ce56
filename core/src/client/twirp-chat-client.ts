import type {
  ChatApi,
  ChatCallOptions,
  ChatTurnEvent,
  ContinueChatStreamRequest,
  ContinueConversationRequest,
  ContinueConversationResponse,
  DeleteConversationRequest,
  DeleteConversationResponse,
  DescribeConversationRequest,
  DescribeConversationResponse,
  ExportConversationRequest,
  ExportConversationResponse,
  ListConversationsRequest,
  ListConversationsResponse,
  RegenerateReplyRequest,
  RegenerateReplyResponse,
  RenameConversationRequest,
  RenameConversationResponse,
  StartConversationRequest,
  StartConversationResponse,
} from './chat-api.js';
import { incompleteStreamError, toChatTurnEvent } from './chat-turn-events.js';
import { readServerSentEvents } from './read-server-sent-events.js';
import { TwirpClientError } from './twirp-client-error.js';
import { createTwirpJsonCaller, createTwirpPost, type TwirpClientOptions, type TwirpPost } from './twirp-json-caller.js';

const SERVICE = 'acai.chat.ChatService';

/**
 * A typed Twirp JSON client for the chat service, with ContinueChatStream read as Server-Sent Events.
 * Errors are TwirpClientError.
 *
 * @example
 * const chat = createTwirpChatClient({ url: 'http://127.0.0.1:8080', apiKey: process.env.ACAI_API_KEY });
 * const { reply } = await chat.startConversation({ message: 'hello' });
 * for await (const event of chat.continueChatStream({ message: 'hello' })) {
 *   if (event.event === 'delta') process.stdout.write(event.data.text);
 * }
 */
export function createTwirpChatClient(options: TwirpClientOptions): ChatApi {
  const call = createTwirpJsonCaller(options);
  const post = createTwirpPost(options);
  return {
    startConversation: (request: StartConversationRequest, callOptions?: ChatCallOptions) =>
      call<StartConversationResponse>(SERVICE, 'StartConversation', request, callOptions),
    continueConversation: (request: ContinueConversationRequest, callOptions?: ChatCallOptions) =>
      call<ContinueConversationResponse>(SERVICE, 'ContinueConversation', request, callOptions),
    listConversations: (request: ListConversationsRequest, callOptions?: ChatCallOptions) =>
      call<ListConversationsResponse>(SERVICE, 'ListConversations', request, callOptions),
    describeConversation: (request: DescribeConversationRequest, callOptions?: ChatCallOptions) =>
      call<DescribeConversationResponse>(SERVICE, 'DescribeConversation', request, callOptions),
    renameConversation: (request: RenameConversationRequest, callOptions?: ChatCallOptions) =>
      call<RenameConversationResponse>(SERVICE, 'RenameConversation', request, callOptions),
    deleteConversation: (request: DeleteConversationRequest, callOptions?: ChatCallOptions) =>
      call<DeleteConversationResponse>(SERVICE, 'DeleteConversation', request, callOptions),
    exportConversation: (request: ExportConversationRequest, callOptions?: ChatCallOptions) =>
      call<ExportConversationResponse>(SERVICE, 'ExportConversation', request, callOptions),
    regenerateReply: (request: RegenerateReplyRequest, callOptions?: ChatCallOptions) =>
      call<RegenerateReplyResponse>(SERVICE, 'RegenerateReply', request, callOptions),
    continueChatStream: (request, callOptions) => streamChatTurn(post, request, callOptions ?? {}),
  };
}

async function* streamChatTurn(post: TwirpPost, request: ContinueChatStreamRequest, callOptions: ChatCallOptions): AsyncGenerator<ChatTurnEvent> {
  const exchange = await post(SERVICE, 'ContinueChatStream', request, callOptions, 'text/event-stream');
  const { response } = exchange;
  // The media type tells a stream from an error answered before it started.
  if (!(response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) {
    await exchange.successBody();
    throw new TwirpClientError('internal', 'ContinueChatStream: the server answered 200 without an event stream', { httpStatus: 200 });
  }
  let isComplete = false;
  try {
    for await (const received of readServerSentEvents(response.body ?? emptyBody())) {
      let data: unknown;
      try {
        data = JSON.parse(received.data);
      } catch (error) {
        throw new TwirpClientError('internal', `ContinueChatStream: the "${received.event}" event carried no JSON object`, { httpStatus: 200, cause: error });
      }
      const event = toChatTurnEvent(received.event, data);
      if (TwirpClientError.isInstance(event)) {
        isComplete = true;
        throw event;
      }
      if (event === undefined) continue;
      if (event.event === 'message') isComplete = true;
      yield event;
      if (isComplete) return;
    }
  } catch (error) {
    if (TwirpClientError.isInstance(error)) throw error;
    const failure = exchange.failure(error);
    // The host answered, so a connection that broke now is an interrupted stream, not an unreachable host.
    throw failure.isTransportFailure ? incompleteStreamError(error) : failure;
  } finally {
    // Left early (break, an exception in the loop body) or failed: closing the connection cancels the turn.
    if (!isComplete) exchange.cancel();
  }
  throw incompleteStreamError();
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
