import type {
  ChatApi,
  ChatCallOptions,
  ContinueConversationRequest,
  ContinueConversationResponse,
  DescribeConversationRequest,
  DescribeConversationResponse,
  ListConversationsRequest,
  ListConversationsResponse,
  StartConversationRequest,
  StartConversationResponse,
} from './chat-api.js';
import { createTwirpJsonCaller, type TwirpClientOptions } from './twirp-json-caller.js';

const SERVICE = 'acai.chat.ChatService';

/**
 * A typed Twirp JSON client for the chat service. Errors are TwirpClientError.
 *
 * @example
 * const chat = createTwirpChatClient({ url: 'http://127.0.0.1:8080', apiKey: process.env.ACAI_API_KEY });
 * const { reply } = await chat.startConversation({ message: 'hello' });
 */
export function createTwirpChatClient(options: TwirpClientOptions): ChatApi {
  const call = createTwirpJsonCaller(options);
  return {
    startConversation: (request: StartConversationRequest, callOptions?: ChatCallOptions) =>
      call<StartConversationResponse>(SERVICE, 'StartConversation', request, callOptions),
    continueConversation: (request: ContinueConversationRequest, callOptions?: ChatCallOptions) =>
      call<ContinueConversationResponse>(SERVICE, 'ContinueConversation', request, callOptions),
    listConversations: (request: ListConversationsRequest, callOptions?: ChatCallOptions) =>
      call<ListConversationsResponse>(SERVICE, 'ListConversations', request, callOptions),
    describeConversation: (request: DescribeConversationRequest, callOptions?: ChatCallOptions) =>
      call<DescribeConversationResponse>(SERVICE, 'DescribeConversation', request, callOptions),
  };
}
