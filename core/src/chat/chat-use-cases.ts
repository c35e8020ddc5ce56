import type { Conversation, ConversationPage, ToolCallRecord } from '../storage/conversation-store.js';
import type { CallerContext } from './caller-context.js';
import type { TurnEvents } from './turn-events.js';

/** Session metadata as a client sent it (fields may be missing or blank). */
export interface SessionMetadataInput {
  readonly platform?: string | undefined;
  readonly userId?: string | undefined;
  readonly chatId?: string | undefined;
}

export interface StartConversationInput {
  readonly message: string;
  readonly session?: SessionMetadataInput | undefined;
}

export interface StartConversationResult {
  readonly conversationId: string;
  readonly title: string;
  readonly reply: string;
  readonly toolCalls: readonly ToolCallRecord[];
  /** The stored assistant message. */
  readonly messageId: string;
}

export interface ContinueConversationInput {
  readonly conversationId?: string | undefined;
  readonly message: string;
  readonly session?: SessionMetadataInput | undefined;
}

export interface ContinueConversationResult {
  readonly conversationId: string;
  readonly reply: string;
  readonly toolCalls: readonly ToolCallRecord[];
  /** The stored assistant message. */
  readonly messageId: string;
}

/** A streamed turn: by conversation id, by session, or (neither given) in a new conversation. */
export type ContinueChatStreamInput = ContinueConversationInput;

export interface ContinueChatStreamResult extends ContinueConversationResult {
  readonly isNew: boolean;
  /** New conversations only: the title stored with it (a generated one may replace it shortly after). */
  readonly title?: string | undefined;
}

export interface ListConversationsInput {
  /** 0 or undefined → default page size; larger than the maximum → the maximum. */
  readonly pageSize?: number | undefined;
  readonly pageToken?: string | undefined;
}

/** The four chat use cases (and the streamed twin of ContinueConversation), tenant-scoped by the caller. */
export interface ChatService {
  startConversation(caller: CallerContext, input: StartConversationInput): Promise<StartConversationResult>;
  continueConversation(caller: CallerContext, input: ContinueConversationInput): Promise<ContinueConversationResult>;
  /**
   * ContinueConversation that reports the turn as it happens through `events`, and starts a new
   * conversation when neither a conversation id nor a session is given. What it stores is exactly what
   * the non-streaming use cases store. Failures thrown before `events.conversation` was called are the
   * request's own (bad input, unknown conversation, no model); later ones belong to the turn.
   */
  continueChatStream(caller: CallerContext, input: ContinueChatStreamInput, events: TurnEvents): Promise<ContinueChatStreamResult>;
  listConversations(caller: CallerContext, input: ListConversationsInput): Promise<ConversationPage>;
  describeConversation(caller: CallerContext, input: { readonly conversationId: string }): Promise<Conversation>;
}
