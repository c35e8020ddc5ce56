import type { Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { SessionMetadata } from '../client/index.js';

/** The parts of an update the session rules read (a grammY Context fits). */
export type SessionSource = Pick<Context, 'chat' | 'from' | 'message'>;

/** Group and supergroup chats: the bot answers only messages addressed to it, and replies to each. */
export function isGroupChat(context: Pick<Context, 'chat'>): boolean {
  return context.chat?.type === 'group' || context.chat?.type === 'supergroup';
}

/** The host session of an update: `{platform: "telegram", user_id, chat_id}`; undefined outside a chat. */
export function sessionFor(context: SessionSource): SessionMetadata | undefined {
  const chat = context.chat;
  if (!chat) return undefined;
  // In groups every member gets their own conversation: the user is part of the identity.
  return { platform: 'telegram', user_id: String(context.from?.id ?? chat.id), chat_id: String(chat.id) };
}

/** A key naming one session within the bot. */
export function sessionKey(session: SessionMetadata): string {
  return `${session.chat_id}:${session.user_id}`;
}

/**
 * The text the bot should answer, or undefined when the message is not for it. In private chats that is
 * every text; in groups only a message that mentions the bot or replies to it, with the mention removed.
 */
export function addressedText(context: SessionSource, bot: Pick<UserFromGetMe, 'id' | 'username'>): string | undefined {
  const text = context.message?.text;
  if (text === undefined) return undefined;
  if (!isGroupChat(context)) return text;
  const mention = new RegExp(`@${bot.username}\\b`, 'i');
  const isReplyToBot = context.message?.reply_to_message?.from?.id === bot.id;
  if (!mention.test(text) && !isReplyToBot) return undefined;
  return text.replace(mention, '').trim();
}
