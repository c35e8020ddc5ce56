import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../cache/index.js';
import type { EmbeddedConversationStore } from '../storage/index.js';
import { createChatService } from './chat-service.js';
import type { ChatService, ExportFormat } from './chat-use-cases.js';
import { CONVERSATION_EXPORT_FORMAT } from './export-conversation.js';
import { callerFor, noSessions, useTemporaryStore } from './testing/chat-test-parts.js';
import { createFixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text } from './testing/scripted-model-client.js';

const clock = { now: () => new Date('2026-04-01T09:30:00.000Z'), timeZone: 'UTC' };
let store: EmbeddedConversationStore;
useTemporaryStore((created) => (store = created));
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');

function service(): ChatService {
  const model = createScriptedModel({ reply: () => text('A reply.'), title: () => text('A Title') });
  return createChatService({ store, sessions: noSessions, model, tools: createFixtureTools([]), cache: new MemoryKeyValueStore(), clock });
}

async function storedConversation(tenantId = 'default') {
  return store.create({
    tenantId,
    title: 'Charts & `code`',
    session: { platform: 'web', userId: 'u', chatId: 'c' },
    messages: [
      { role: 'user', content: 'Draw it', createdAt: new Date('2026-03-01T10:00:00Z') },
      {
        role: 'assistant',
        content: 'Here is the chart.',
        createdAt: new Date('2026-03-01T10:00:02Z'),
        usage: { promptTokens: 321, completionTokens: 12 },
        toolCalls: [
          {
            id: 'call_1',
            name: 'painter__draw',
            plugin: 'painter',
            pluginVersion: '1.0.0',
            arguments: '{"kind":"bar"}',
            // Tool output with fences of its own must not end the export's code block.
            result: 'drawn ``` not the end ````',
            outcome: 'ok',
            durationMs: 7,
            data: '{"bars":[1,2,3]}',
            images: [{ mimeType: 'image/png', data: PNG }],
          },
        ],
      },
    ],
  });
}

describe('exportConversation', () => {
  it('writes a JSON document with every message, tool call, structured result, image and usage', async () => {
    const created = await storedConversation();
    const exported = await service().exportConversation(callerFor(), { conversationId: created.id, format: 'json' });
    expect(exported.fileName).toBe(`acai-conversation-${created.id}.json`);
    expect(exported.contentType).toBe('application/json');
    const document = JSON.parse(exported.content);
    expect(document).toEqual({
      format: CONVERSATION_EXPORT_FORMAT,
      exported_at: '2026-04-01T09:30:00.000Z',
      conversation: {
        id: created.id,
        title: 'Charts & `code`',
        created_at: created.createdAt.toISOString(),
        updated_at: created.updatedAt.toISOString(),
        session: { platform: 'web', user_id: 'u', chat_id: 'c' },
        messages: [
          { id: created.messages[0]!.id, role: 'user', content: 'Draw it', created_at: '2026-03-01T10:00:00.000Z' },
          {
            id: created.messages[1]!.id,
            role: 'assistant',
            content: 'Here is the chart.',
            created_at: '2026-03-01T10:00:02.000Z',
            usage: { prompt_tokens: 321, completion_tokens: 12 },
            tool_calls: [
              {
                id: 'call_1',
                name: 'painter__draw',
                plugin: 'painter',
                plugin_version: '1.0.0',
                arguments: '{"kind":"bar"}',
                outcome: 'ok',
                duration_ms: 7,
                result: 'drawn ``` not the end ````',
                data: { bars: [1, 2, 3] },
                images: [{ mime_type: 'image/png', data: PNG }],
              },
            ],
          },
        ],
      },
    });
  });

  it('writes Markdown for people: headings per message, tool calls in fences their output cannot close', async () => {
    const created = await storedConversation();
    const exported = await service().exportConversation(callerFor(), { conversationId: created.id, format: 'markdown' });
    expect(exported.fileName).toBe(`acai-conversation-${created.id}.md`);
    expect(exported.contentType).toBe('text/markdown; charset=utf-8');
    const markdown = exported.content;
    expect(markdown.startsWith('# Charts & `code`\n\nExported from Acai on 2026-04-01 09:30 UTC')).toBe(true);
    expect(markdown).toContain('## You · 2026-03-01 10:00 UTC\n\nDraw it\n');
    expect(markdown).toContain('## Assistant · 2026-03-01 10:00 UTC · 321 tokens in, 12 out');
    expect(markdown).toContain('> Tool call `painter__draw` (painter@1.0.0): ok, 7 ms');
    expect(markdown).toContain('`````\ndrawn ``` not the end ````\n`````');
    expect(markdown).toContain('- Image: image/png, 12 bytes (included in the JSON export)');
    expect(markdown).not.toContain(PNG);
    expect(markdown.endsWith('Here is the chart.\n')).toBe(true);
  });

  it("refuses unknown formats, and finds neither another tenant's conversation nor a malformed id", async () => {
    const created = await storedConversation('owner');
    const chat = service();
    for (const format of ['pdf', '7', '', 'JSON'] as unknown as ExportFormat[]) {
      await expect(chat.exportConversation(callerFor('owner'), { conversationId: created.id, format })).rejects.toMatchObject({ meta: { argument: 'format' } });
    }
    await expect(chat.exportConversation(callerFor('intruder'), { conversationId: created.id, format: 'json' })).rejects.toMatchObject({
      code: 'HOST_CONVERSATION_NOT_FOUND',
    });
    await expect(chat.exportConversation(callerFor('owner'), { conversationId: '../../etc/passwd', format: 'json' })).rejects.toMatchObject({
      code: 'HOST_CONVERSATION_NOT_FOUND',
    });
  });
});
