import type { Conversation, ConversationHeader, ConversationPage, MessageTokenUsage, ToolCallRecord } from '../storage/conversation-store.js';
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
  /** What the model reported it used for the reply; undefined when it reported nothing. */
  readonly usage?: MessageTokenUsage | undefined;
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
  /** What the model reported it used for the reply; undefined when it reported nothing. */
  readonly usage?: MessageTokenUsage | undefined;
}

/**
 * A streamed turn: by conversation id, by session, or (neither given) in a new conversation — or, with
 * `regenerateMessageId`, a new reply in place of the conversation's last one (see {@link RegenerateReplyInput}).
 */
export interface ContinueChatStreamInput extends ContinueConversationInput {
  /** The id of the conversation's last reply, to regenerate it; `message` must then be empty. */
  readonly regenerateMessageId?: string | undefined;
}

export interface ContinueChatStreamResult extends ContinueConversationResult {
  readonly isNew: boolean;
  /** New conversations only: the title stored with it (a generated one may replace it shortly after). */
  readonly title?: string | undefined;
}

/**
 * ListConversations. A request with no page size, no token and no query — what old clients send — gets
 * every conversation newest created first, up to `listAllLimit` (with a token to go on past it); any
 * other request is paged newest updated first.
 */
export interface ListConversationsInput {
  /** 0 or undefined → default page size; larger than the maximum → the maximum. */
  readonly pageSize?: number | undefined;
  readonly pageToken?: string | undefined;
  /** Only conversations whose title or message text contains this (case-insensitive plain text). */
  readonly query?: string | undefined;
}

export interface RenameConversationInput {
  readonly conversationId: string;
  /** The new title: one line, whitespace collapsed, 1 to 200 characters, no control characters. */
  readonly title: string;
}

/** The formats ExportConversation writes. */
export type ExportFormat = 'json' | 'markdown';

export interface ExportConversationInput {
  readonly conversationId: string;
  readonly format: ExportFormat;
}

/** A conversation written out as a file. */
export interface ConversationExport {
  /** A suggested file name, e.g. `acai-conversation-<id>.md`. */
  readonly fileName: string;
  readonly contentType: string;
  readonly content: string;
}

/**
 * Regenerate the last reply: the conversation's last message (`messageId`, an assistant reply) is
 * replaced by a new answer to the user message before it, produced from the history before that
 * message. Nothing changes unless the new reply completes; a turn that lands meanwhile is a conflict.
 */
export interface RegenerateReplyInput {
  readonly conversationId: string;
  readonly messageId: string;
}

/** The chat use cases (turns, their streamed twin, and the conversation lifecycle), tenant-scoped by the caller. */
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
  /** Changes the title (the conversation keeps its place in the list); returns the header. */
  renameConversation(caller: CallerContext, input: RenameConversationInput): Promise<ConversationHeader>;
  /**
   * Deletes the conversation with its messages and tool results, its session binding and its cached
   * title. An id that is not (or no longer) there is HOST_CONVERSATION_NOT_FOUND, so repeating a delete
   * changes nothing further and answers not_found.
   */
  deleteConversation(caller: CallerContext, input: { readonly conversationId: string }): Promise<void>;
  exportConversation(caller: CallerContext, input: ExportConversationInput): Promise<ConversationExport>;
  regenerateReply(caller: CallerContext, input: RegenerateReplyInput, events?: TurnEvents): Promise<ContinueConversationResult>;
}
