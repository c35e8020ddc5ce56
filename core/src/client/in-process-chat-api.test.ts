import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import { createChatService, type ChatService } from '../chat/index.js';
import { noSessions, useTemporaryStore } from '../chat/testing/chat-test-parts.js';
import { createFixtureTools } from '../chat/testing/fixture-tools.js';
import { createScriptedModel, text, toolCalls } from '../chat/testing/scripted-model-client.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createInProcessChatApi } from './in-process-chat-api.js';
import { TwirpClientError } from './twirp-client-error.js';

let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
let toolAborted: boolean;
let chat: ChatService;

beforeEach(() => {
  toolAborted = false;
  const model = createScriptedModel({
    reply: (request) => (request.messages.some((message) => message.role === 'tool') ? text('never') : toolCalls([{ name: 'fixtures__wait', arguments: {} }])),
    title: () => text('Title'),
  });
  const tools = createFixtureTools([
    {
      name: 'wait',
      description: 'Waits until cancelled.',
      parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
      execute: (_args, signal) => new Promise<string>((_resolve, reject) => signal.addEventListener('abort', () => ((toolAborted = true), reject(new Error('cancelled'))))),
    },
  ]);
  chat = createChatService({ store, sessions: noSessions, model, tools, cache: new MemoryKeyValueStore(), clock: { now: () => new Date(), timeZone: 'UTC' } });
});

const api = () => createInProcessChatApi(chat, { tenantId: 'bot', logger: pino({ level: 'silent' }) });

describe('createInProcessChatApi', () => {
  it('raises TwirpClientError, as a remote client would, with the original error as cause', async () => {
    const error = await api()
      .describeConversation({ conversation_id: 'ffffffffffffffffffffffff' })
      .catch((caught: unknown) => caught);
    expect(TwirpClientError.isInstance(error)).toBe(true);
    const clientError = error as TwirpClientError;
    expect([clientError.code, clientError.message, clientError.httpStatus, clientError.isRetryable]).toEqual(['not_found', 'conversation not found', 404, false]);
    expect(clientError.cause).toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND' });
    const invalid = (await api().continueConversation({ message: '' }).catch((caught: unknown) => caught)) as TwirpClientError;
    expect(invalid.meta).toEqual({ argument: 'message' });
  });

  it('raises a stream\'s failure as TwirpClientError too', async () => {
    const stream = api().continueChatStream({ conversation_id: 'nope', message: 'hi' });
    const error = await (async () => {
      for await (const _event of stream) throw new Error('no event expected');
    })().catch((caught: unknown) => caught);
    // A malformed id is not found, as the old service answered.
    expect(error).toMatchObject({ code: 'not_found', httpStatus: 404 });
    expect(TwirpClientError.isInstance(error)).toBe(true);
  });

  it('cancels the turn when the reader leaves the stream early', async () => {
    const seen: string[] = [];
    for await (const event of api().continueChatStream({ message: 'wait' })) {
      seen.push(event.event);
      if (event.event === 'tool_call_started') break;
    }
    expect(seen).toEqual(['conversation', 'tool_call_started']);
    expect(toolAborted).toBe(true);
    expect((await store.list('bot', { pageSize: 10 })).conversations).toEqual([]);
  });
});
