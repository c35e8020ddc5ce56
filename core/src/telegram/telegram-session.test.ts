import type { Context } from 'grammy';
import type { Chat, User } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { addressedText, isGroupChat, sessionFor, sessionKey } from './telegram-session.js';

const BOT = { id: 4242, username: 'acai_bot' };
const ada: User = { id: 1111, is_bot: false, first_name: 'Ada' };
const bob: User = { id: 2222, is_bot: false, first_name: 'Bob' };
const privateChat: Chat.PrivateChat = { id: 1111, type: 'private', first_name: 'Ada' };
const group: Chat.SupergroupChat = { id: -100123, type: 'supergroup', title: 'Team' };

function update(chat: Chat | undefined, from: User | undefined, text?: string, replyTo?: User) {
  const message = chat === undefined || text === undefined
    ? undefined
    : ({
        message_id: 7,
        date: 0,
        chat,
        ...(from ? { from } : {}),
        text,
        ...(replyTo ? { reply_to_message: { message_id: 6, date: 0, chat, from: replyTo, text: 'earlier' } } : {}),
      } as Context['message']);
  return { chat, from, message };
}

describe('sessionFor', () => {
  it('maps a private chat to the user and chat', () => {
    expect(sessionFor(update(privateChat, ada, 'hi'))).toEqual({ platform: 'telegram', user_id: '1111', chat_id: '1111' });
  });

  it('gives every member of a group their own session', () => {
    const adas = sessionFor(update(group, ada, 'hi'))!;
    const bobs = sessionFor(update(group, bob, 'hi'))!;
    expect(adas).toEqual({ platform: 'telegram', user_id: '1111', chat_id: '-100123' });
    expect(sessionKey(adas)).not.toBe(sessionKey(bobs));
  });

  it('falls back to the chat id when the sender is unknown, and has no session outside a chat', () => {
    expect(sessionFor(update(group, undefined, 'hi'))).toEqual({ platform: 'telegram', user_id: '-100123', chat_id: '-100123' });
    expect(sessionFor(update(undefined, ada))).toBeUndefined();
  });
});

describe('addressedText', () => {
  it('answers every text in a private chat, unchanged', () => {
    expect(addressedText(update(privateChat, ada, '  what time is it? @acai_bot '), BOT)).toBe('  what time is it? @acai_bot ');
  });

  it('in groups answers only a mention, case-insensitively, with the mention removed', () => {
    expect(addressedText(update(group, ada, '@ACAI_bot what time is it?'), BOT)).toBe('what time is it?');
    expect(addressedText(update(group, ada, 'what time is it?'), BOT)).toBeUndefined();
  });

  it('does not take a longer username that starts with the bot name for a mention', () => {
    expect(addressedText(update(group, ada, '@acai_botany is great'), BOT)).toBeUndefined();
  });

  it('in groups answers a reply to the bot without a mention', () => {
    expect(addressedText(update(group, ada, 'and tomorrow?', { id: BOT.id, is_bot: true, first_name: 'Acai' }), BOT)).toBe('and tomorrow?');
    expect(addressedText(update(group, ada, 'and tomorrow?', bob), BOT)).toBeUndefined();
  });

  it('has nothing to answer without text', () => {
    expect(addressedText(update(privateChat, ada), BOT)).toBeUndefined();
  });
});

describe('isGroupChat', () => {
  it('counts groups and supergroups, not private chats or channels', () => {
    expect(isGroupChat({ chat: group })).toBe(true);
    expect(isGroupChat({ chat: { id: -5, type: 'group', title: 'Old' } })).toBe(true);
    expect(isGroupChat({ chat: privateChat })).toBe(false);
    expect(isGroupChat({ chat: { id: -7, type: 'channel', title: 'News' } })).toBe(false);
  });
});
