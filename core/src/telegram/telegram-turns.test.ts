import type { Context } from 'grammy';
import type { Chat } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { TwirpClientError, type ContinueConversationRequest, type SessionMetadata, type StartConversationRequest } from '../client/index.js';
import type { TelegramLogger } from './telegram-logger.js';
import { TelegramReplySender } from './telegram-reply-sender.js';
import { APOLOGY_GENERIC, APOLOGY_UNAVAILABLE, NO_ANSWER_HTML } from './telegram-texts.js';
import { TelegramTurns } from './telegram-turns.js';

const chat: Chat.PrivateChat = { id: 1111, type: 'private', first_name: 'Ada' };
const SESSION: SessionMetadata = { platform: 'telegram', user_id: '1111', chat_id: '1111' };

type ChatCall = { readonly method: 'start'; readonly request: StartConversationRequest } | { readonly method: 'continue'; readonly request: ContinueConversationRequest };

/** A chat service that answers from a script: a reply text, or an error to throw. */
function scriptedChat(script: Array<string | Error>) {
  const calls: ChatCall[] = [];
  const next = async () => {
    const step = script.shift() ?? 'ok';
    if (step instanceof Error) throw step;
    return { reply: step };
  };
  return {
    calls,
    api: {
      startConversation: async (request: StartConversationRequest) => (calls.push({ method: 'start', request }), next()),
      continueConversation: async (request: ContinueConversationRequest) => (calls.push({ method: 'continue', request }), next()),
    },
  };
}

function fakeContext() {
  const events: string[] = [];
  const reply = async (text: string) => (events.push(`reply: ${text}`), {});
  const replyWithChatAction = async (action: string) => (events.push(`action: ${action}`), true);
  const context = {
    chat,
    message: { message_id: 5, date: 0, chat, text: 'hi' } as Context['message'],
    reply: reply as Context['reply'],
    replyWithChatAction: replyWithChatAction as Context['replyWithChatAction'],
  };
  return { context, events };
}

const unavailable = () => new TwirpClientError('unavailable', 'host restarting', { httpStatus: 503 });

function turns(chatApi: ReturnType<typeof scriptedChat>['api'], options: { sleeps?: number[]; errors?: string[] } = {}) {
  const sleeps = options.sleeps ?? [];
  const errors = options.errors ?? [];
  const logger: TelegramLogger = { info() {}, warn() {}, error: (_fields, message) => void errors.push(message ?? '') };
  const sleep = async (milliseconds: number) => void sleeps.push(milliseconds);
  return new TelegramTurns({ chat: chatApi, sender: new TelegramReplySender({ logger, sleep }), logger, retryDelaysMs: [10, 20], typingIntervalMs: 60_000, sleep });
}

describe('TelegramTurns', () => {
  it('continues the session’s conversation, showing typing before the reply', async () => {
    const { api, calls } = scriptedChat(['**Sunny** today']);
    const { context, events } = fakeContext();
    await turns(api).answer(context, SESSION, 'weather?');
    expect(calls).toEqual([{ method: 'continue', request: { message: 'weather?', session_metadata: SESSION } }]);
    expect(events).toEqual(['action: typing', 'reply: <b>Sunny</b> today']);
  });

  it('starts a conversation after /new, once: the message after an answered one continues it', async () => {
    const { api, calls } = scriptedChat(['first', 'second']);
    const bot = turns(api);
    bot.startFresh(SESSION);
    expect(bot.nextTurn(SESSION)).toBe('start');
    await bot.answer(fakeContext().context, SESSION, 'hello');
    expect(bot.nextTurn(SESSION)).toBe('continue');
    await bot.answer(fakeContext().context, SESSION, 'and then?');
    expect(calls.map((call) => call.method)).toEqual(['start', 'continue']);
  });

  it('keeps the fresh start when the starting turn failed, so the next message tries it again', async () => {
    const { api, calls } = scriptedChat([new TwirpClientError('internal', 'boom', { httpStatus: 500 }), 'ok']);
    const bot = turns(api);
    bot.startFresh(SESSION);
    await bot.answer(fakeContext().context, SESSION, 'hello');
    await bot.answer(fakeContext().context, SESSION, 'hello again');
    expect(calls.map((call) => call.method)).toEqual(['start', 'start']);
  });

  it('retries a transient failure with the configured backoff and answers when the host is back', async () => {
    const { api, calls } = scriptedChat([unavailable(), 'back']);
    const sleeps: number[] = [];
    const { context, events } = fakeContext();
    await turns(api, { sleeps }).answer(context, SESSION, 'hi');
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([10]);
    expect(events.at(-1)).toBe('reply: back');
  });

  it('apologises once the retries are spent, without the error text', async () => {
    const { api, calls } = scriptedChat([unavailable(), unavailable(), unavailable()]);
    const errors: string[] = [];
    const { context, events } = fakeContext();
    await turns(api, { errors }).answer(context, SESSION, 'hi');
    expect(calls).toHaveLength(3);
    expect(events.at(-1)).toBe(`reply: ${APOLOGY_UNAVAILABLE}`);
    expect(events.join('\n')).not.toContain('host restarting');
    expect(errors).toEqual(['chat turn failed']);
  });

  it('does not retry a failure that is not transient', async () => {
    const { api, calls } = scriptedChat([new Error('socket hang up in the adapter')]);
    const sleeps: number[] = [];
    const { context, events } = fakeContext();
    await turns(api, { sleeps }).answer(context, SESSION, 'hi');
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(events.at(-1)).toBe(`reply: ${APOLOGY_GENERIC}`);
  });

  it('says there was no answer when the reply renders to nothing', async () => {
    const { api } = scriptedChat(['']);
    const { context, events } = fakeContext();
    await turns(api).answer(context, SESSION, 'hi');
    expect(events.at(-1)).toBe(`reply: ${NO_ANSWER_HTML}`);
  });

  it('answers even when the typing indicator cannot be sent', async () => {
    const { api } = scriptedChat(['fine']);
    const { context, events } = fakeContext();
    const failingTyping = async () => {
      throw new Error('chat action refused');
    };
    await turns(api).answer({ ...context, replyWithChatAction: failingTyping as Context['replyWithChatAction'] }, SESSION, 'hi');
    expect(events).toEqual(['reply: fine']);
  });
});
