import { HostError } from '../errors/index.js';
import type { NewMessage, SessionIdentity } from '../storage/conversation-store.js';
import { createObjectIdHex } from '../storage/object-id.js';
import type { CallerContext } from './caller-context.js';
import type { ChatStepDeps } from './chat-deps.js';
import type { GeneratedReply } from './generate-reply.js';

/** A turn whose reply is ready to be stored. */
export interface AnsweredTurn {
  readonly message: string;
  /** When the user's message arrived (its stored timestamp). */
  readonly startedAt: Date;
  readonly reply: GeneratedReply;
}

/** Where the stored reply went. */
export interface PersistedTurn {
  readonly conversationId: string;
  /** The stored assistant message. */
  readonly messageId: string;
}

// Persistence rule: a turn is stored only when it completed — the user message and the assistant reply
// (with the turn's tool calls) go in one atomic append or one create, so a failed or abandoned turn
// leaves nothing half-written and the client gets an error instead.

/** Stores a turn that opens its conversation: one create, with the id announced earlier and the title. */
export async function persistNewConversation(
  deps: Pick<ChatStepDeps, 'store' | 'model' | 'clock'>,
  caller: CallerContext,
  conversation: { readonly id: string; readonly title: string; readonly session?: SessionIdentity | undefined },
  turn: AnsweredTurn,
): Promise<PersistedTurn> {
  ensureStillWanted(caller);
  const { messages, replyId } = turnMessages(deps, turn);
  const created = await deps.store.create({
    id: conversation.id,
    tenantId: caller.tenantId,
    title: conversation.title,
    ...(conversation.session ? { session: conversation.session } : {}),
    messages,
  });
  return { conversationId: created.id, messageId: replyId };
}

/** Appends a turn to its conversation in one atomic append. */
export async function appendTurn(
  deps: Pick<ChatStepDeps, 'store' | 'model' | 'clock'>,
  caller: CallerContext,
  conversationId: string,
  turn: AnsweredTurn,
): Promise<PersistedTurn> {
  ensureStillWanted(caller);
  const { messages, replyId } = turnMessages(deps, turn);
  // No expectedVersion: concurrent turns on one conversation are all kept, each user+assistant pair contiguous.
  const appended = await deps.store.append(caller.tenantId, conversationId, messages);
  if (!appended) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
  return { conversationId, messageId: replyId };
}

/**
 * Stores a regenerated reply in place of the conversation's last one (`replacedId`), atomically; the
 * user message before it stays as it was. A turn that landed meanwhile makes it a conflict.
 */
export async function replaceReply(
  deps: Pick<ChatStepDeps, 'store' | 'model' | 'clock'>,
  caller: CallerContext,
  conversationId: string,
  replacedId: string,
  reply: GeneratedReply,
): Promise<PersistedTurn> {
  ensureStillWanted(caller);
  const { message, replyId } = replyMessage(deps, reply);
  const replaced = await deps.store.replaceLastMessage(caller.tenantId, conversationId, replacedId, message);
  if (!replaced) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
  return { conversationId, messageId: replyId };
}

/** A client that left, or a deadline that passed, while the reply was produced: the turn is not stored. */
function ensureStillWanted(caller: CallerContext): void {
  if (caller.signal.aborted && Date.now() < caller.deadline) {
    throw new HostError('HOST_CANCELED', 'the request was canceled', { cause: caller.signal.reason });
  }
  if (Date.now() >= caller.deadline || caller.signal.aborted) {
    throw new HostError('HOST_DEADLINE_EXCEEDED', 'the request deadline was exceeded');
  }
}

/** The turn's two messages; the reply's id is chosen here so a streamed turn can report it. */
function turnMessages(deps: Pick<ChatStepDeps, 'model' | 'clock'>, turn: AnsweredTurn): { messages: NewMessage[]; replyId: string } {
  const { message, replyId } = replyMessage(deps, turn.reply);
  return { messages: [{ role: 'user', content: turn.message, createdAt: turn.startedAt, tokens: turn.reply.userMessageTokens }, message], replyId };
}

/** The assistant message of a reply, with its tool calls and the usage the model reported. */
function replyMessage(deps: Pick<ChatStepDeps, 'model' | 'clock'>, reply: GeneratedReply): { message: NewMessage; replyId: string } {
  const { loop, promptVersion } = reply;
  const answeredAt = deps.clock.now();
  const replyId = createObjectIdHex(answeredAt);
  const message: NewMessage = {
    id: replyId,
    role: 'assistant',
    content: loop.reply,
    createdAt: answeredAt,
    promptVersion,
    tokens: deps.model.tokenCounter.countText(loop.reply),
    ...(loop.toolCalls.length > 0 ? { toolCalls: loop.toolCalls } : {}),
    ...(loop.usage !== undefined ? { usage: loop.usage } : {}),
  };
  return { message, replyId };
}
