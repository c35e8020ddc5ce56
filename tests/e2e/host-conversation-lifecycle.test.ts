// The conversation lifecycle on the REAL host (MongoDB-wire store, Redis, the shipped datetime plugin, an
// MCP stdio server that returns images, the fake OpenAI server through the real client), over JSON and
// binary protobuf: what old clients' empty ListConversations gets, search, rename, delete, export,
// regenerate, token usage and tool images — each checked against other tenants and hostile input.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type ChatCompletionBody, type FakeOpenAIServer, type FakeStep } from '../fakes/openai/index.js';
import { stdioServerEntry } from '../integration/mcp-support.js';
import { bearer, fakeModelEnv, requestedToolCalls, sharedServicesEnv, startTestHost, TITLE_MODEL, twirpJson, type RunningTestHost } from './host-support.js';
import { createPluginsWorkspace, DATETIME_ENTRY, type PluginsWorkspace } from './plugins-workspace.js';
import { eventsNamed, streamChat } from './stream-support.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';

const KEY_A = 'acai_e2e_lifecycle_a_key_0123456789abcdef';
const KEY_B = 'acai_e2e_lifecycle_b_key_0123456789abcdef';
const PROTO_DIR = new URL('../../proto', import.meta.url).pathname;
const RED_DOT_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGO4Iyd3R06OAUIBACGmBGHH+C56AAAAAElFTkSuQmCC';

let replies = 0;
/** Titles name the message; "call <tool> {json}" calls a tool; a tool result is read back; anything else gets a numbered echo. */
function scriptedModel(body: ChatCompletionBody): FakeStep {
  const last = body.messages.at(-1);
  const text = typeof last?.content === 'string' ? last.content : '';
  if (body.model === TITLE_MODEL) return { type: 'text', content: `About ${text.split(/\s+/).slice(0, 3).join(' ')}` };
  if (last?.role === 'tool') return { type: 'text', content: `The tool said: ${String(last.content).slice(0, 200)}` };
  const calls = requestedToolCalls(body, text);
  if (calls.length > 0) return { type: 'tool_calls', calls };
  replies += 1;
  return { type: 'text', content: `echo ${replies}: ${text}`, usage: { prompt_tokens: 100 + replies, completion_tokens: replies } };
}

let fake: FakeOpenAIServer;
let workspace: PluginsWorkspace;
let host: RunningTestHost;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedModel);
  workspace = await createPluginsWorkspace([], {});
  await workspace.writeConfig([DATETIME_ENTRY, stdioServerEntry('pictures', ['--only=show_image,show_disguised_images'])], { timeoutMs: 10_000, setupTimeoutMs: START_UP_DEADLINE_MS });
  host = await startTestHost({
    ...fakeModelEnv(fake),
    ...sharedServicesEnv('e2e_lifecycle'),
    PLUGINS_CONFIG: workspace.configPath,
    ACAI_API_KEYS: `${KEY_A}:tenant-a:chat,${KEY_B}:tenant-b:chat`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
  });
}, 120_000);

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await workspace?.close();
});

const chat = (method: string, body: unknown, key = KEY_A) => twirpJson(host.url, method, body, bearer(key));

async function start(message: string, key = KEY_A, session?: Record<string, string>): Promise<Record<string, any>> {
  const response = await chat('StartConversation', { message, ...(session ? { session_metadata: session } : {}) }, key);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** A protobuf call: the request written in protobuf text format, encoded and the answer decoded by protoc itself. */
async function protobufCall(method: string, requestText: string, key = KEY_A): Promise<{ status: number; text: string }> {
  const encoded = spawnSync('protoc', ['-I', PROTO_DIR, `--encode=acai.chat.${method}Request`, 'chat.proto'], { input: requestText });
  expect(encoded.status, encoded.stderr.toString()).toBe(0);
  const response = await fetch(`${host.url}/twirp/acai.chat.ChatService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/protobuf', ...bearer(key) },
    body: encoded.stdout,
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return { status: response.status, text: body.toString('utf8') };
  const decoded = spawnSync('protoc', ['-I', PROTO_DIR, `--decode=acai.chat.${method}Response`, 'chat.proto'], { input: body });
  expect(decoded.status, decoded.stderr.toString()).toBe(0);
  return { status: 200, text: decoded.stdout.toString() };
}

describe('conversation lifecycle on the real host', () => {
  it('answers the empty ListConversations of old clients with every conversation, newest created first, over JSON and protobuf', async () => {
    const created: string[] = [];
    for (let index = 0; index < 23; index += 1) created.push((await start(`list filler ${index}`, KEY_B)).conversation_id);
    // The oldest gets a new turn: by last update it would be first, by creation it stays last.
    expect((await chat('ContinueConversation', { conversation_id: created[0], message: 'touch' }, KEY_B)).status).toBe(200);
    const newestCreatedFirst = [...created].reverse();

    for (const body of [{}, { page_size: 0, page_token: '' }, '{"page_size":null,"query":""}']) {
      const listed = await chat('ListConversations', body, KEY_B);
      expect(listed.status).toBe(200);
      expect(listed.body.conversations.map((conversation: { id: string }) => conversation.id)).toEqual(newestCreatedFirst);
      expect(listed.body.next_page_token).toBeUndefined();
    }
    const viaProtobuf = await protobufCall('ListConversations', '');
    expect(viaProtobuf.status).toBe(200);
    const protobufB = await protobufCall('ListConversations', '', KEY_B);
    expect([...protobufB.text.matchAll(/^ {2}id: "([0-9a-f]{24})"$/gm)].map((match) => match[1])).toEqual(newestCreatedFirst);

    // Asking for a page is paging by last update, as before.
    const paged = await chat('ListConversations', { page_size: 20 }, KEY_B);
    expect(paged.body.conversations).toHaveLength(20);
    expect(paged.body.conversations[0].id).toBe(created[0]);
    expect(paged.body.next_page_token).toEqual(expect.any(String));
  });

  it('searches titles and message text with ListConversations.query, only in the caller’s tenant', async () => {
    const mine = await start('Planning a trip to Reykjavik in winter');
    await start('Reykjavik is on my mind too', KEY_B);
    const found = await chat('ListConversations', { query: 'REYKJAVIK', page_size: 50 });
    expect(found.body.conversations.map((conversation: { id: string }) => conversation.id)).toEqual([mine.conversation_id]);
    for (const query of ['.*', '(a+)+$', '{"$regex":".*"}', 'Reykjavik.*winter']) {
      expect((await chat('ListConversations', { query })).body.conversations ?? [], query).toEqual([]);
    }
    const tooLong = await chat('ListConversations', { query: 'q'.repeat(201) });
    expect([tooLong.status, tooLong.body.code, tooLong.body.meta]).toEqual([400, 'invalid_argument', { argument: 'query' }]);
    const wrongType = await chat('ListConversations', { query: ['Reykjavik'] });
    expect([wrongType.status, wrongType.body.code]).toEqual([400, 'malformed']);
  });

  it('renames over JSON and protobuf, and refuses hostile titles and other tenants', async () => {
    const { conversation_id: id } = await start('rename me please');
    const renamed = await chat('RenameConversation', { conversation_id: id, title: '  Budget   2026 ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.conversation).toMatchObject({ id, title: 'Budget 2026', timestamp: expect.any(String) });
    expect((await chat('DescribeConversation', { conversation_id: id })).body.conversation.title).toBe('Budget 2026');

    const viaProtobuf = await protobufCall('RenameConversation', `conversation_id: "${id}" title: "Budget, final"`);
    expect(viaProtobuf.text).toContain('title: "Budget, final"');

    for (const title of ['', 'x'.repeat(201), 'spoof\u202Etxt.exe', 'bell\u0007']) {
      const refused = await chat('RenameConversation', { conversation_id: id, title });
      expect([refused.status, refused.body.code, refused.body.meta?.argument]).toEqual([400, 'invalid_argument', 'title']);
    }
    const intruder = await chat('RenameConversation', { conversation_id: id, title: 'pwned' }, KEY_B);
    expect([intruder.status, intruder.body.code]).toEqual([404, 'not_found']);
    expect((await chat('DescribeConversation', { conversation_id: id })).body.conversation.title).toBe('Budget, final');
    const huge = await chat('RenameConversation', { conversation_id: id, title: 'x'.repeat(2 * 1024 * 1024) });
    expect([huge.status, huge.body.code, huge.body.meta?.argument]).toEqual([413, 'resource_exhausted', 'body']);
  });

  it('deletes a conversation with its messages, tool results and session binding; a repeat and other tenants get not_found', async () => {
    const session = { platform: 'web', user_id: 'lifecycle-user', chat_id: 'lifecycle-chat' };
    const started = await start('What time is it? Delete this later.', KEY_A, session);
    const id = started.conversation_id as string;
    expect(started.tool_calls?.[0]?.name).toBe('datetime__get_current_time');

    const intruder = await chat('DeleteConversation', { conversation_id: id }, KEY_B);
    expect([intruder.status, intruder.body.code]).toEqual([404, 'not_found']);
    expect((await chat('DescribeConversation', { conversation_id: id })).status).toBe(200);

    const deleted = await chat('DeleteConversation', { conversation_id: id });
    expect([deleted.status, deleted.body]).toEqual([200, {}]);
    const described = await chat('DescribeConversation', { conversation_id: id });
    expect([described.status, described.body.code]).toEqual([404, 'not_found']);
    expect((await chat('ListConversations', {})).body.conversations.some((conversation: { id: string }) => conversation.id === id)).toBe(false);
    expect((await chat('ListConversations', { query: 'Delete this later' })).body.conversations ?? []).toEqual([]);
    const again = await chat('DeleteConversation', { conversation_id: id });
    expect([again.status, again.body.code]).toEqual([404, 'not_found']);
    // The session starts a new conversation instead of reaching the deleted one (or an older one).
    const next = await chat('ContinueConversation', { message: 'hello again', session_metadata: session });
    expect(next.status).toBe(200);
    expect(next.body.conversation_id).not.toBe(id);
    // Over protobuf too.
    const viaProtobuf = await protobufCall('DeleteConversation', `conversation_id: "${next.body.conversation_id}"`);
    expect(viaProtobuf).toEqual({ status: 200, text: '' });
    const missing = await chat('DeleteConversation', {});
    expect([missing.status, missing.body.meta?.argument]).toEqual([400, 'conversation_id']);
  });

  it('exports JSON and Markdown over JSON and protobuf, to the owner only', async () => {
    const { conversation_id: id } = await start('export this conversation');
    const json = await chat('ExportConversation', { conversation_id: id, format: 'EXPORT_FORMAT_JSON' });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ file_name: `acai-conversation-${id}.json`, content_type: 'application/json' });
    const document = JSON.parse(json.body.content);
    expect(document.format).toBe('acai.conversation-export/v1');
    expect(document.conversation.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    const markdown = await chat('ExportConversation', { conversation_id: id, format: 'EXPORT_FORMAT_MARKDOWN' });
    expect(markdown.body.content).toMatch(/^# About Export This Conversation\n/);
    expect(markdown.body.content).toContain('## You · ');
    const defaulted = await chat('ExportConversation', { conversation_id: id });
    expect(defaulted.body.content_type).toBe('application/json');
    const viaProtobuf = await protobufCall('ExportConversation', `conversation_id: "${id}" format: EXPORT_FORMAT_MARKDOWN`);
    expect(viaProtobuf.text).toContain(`file_name: "acai-conversation-${id}.md"`);
    // An enum name this host does not know is ignored like an unknown field (proto3 JSON): the default, JSON.
    const unknownName = await chat('ExportConversation', { conversation_id: id, format: 'EXPORT_FORMAT_PDF' });
    expect([unknownName.status, unknownName.body.content_type]).toEqual([200, 'application/json']);
    const wrongType = await chat('ExportConversation', { conversation_id: id, format: { name: 'pdf' } });
    expect([wrongType.status, wrongType.body.code]).toEqual([400, 'malformed']);
    const unknownNumber = await chat('ExportConversation', { conversation_id: id, format: 7 });
    expect([unknownNumber.status, unknownNumber.body.code, unknownNumber.body.meta?.argument]).toEqual([400, 'invalid_argument', 'format']);
    const intruder = await chat('ExportConversation', { conversation_id: id }, KEY_B);
    expect([intruder.status, intruder.body.code]).toEqual([404, 'not_found']);
  });

  it('stores and exposes the token usage the model reported for each reply', async () => {
    const started = await start('count my tokens');
    expect(started.usage).toEqual({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    const described = await chat('DescribeConversation', { conversation_id: started.conversation_id });
    const [question, reply] = described.body.conversation.messages as Array<Record<string, any>>;
    expect(question!.usage).toBeUndefined();
    expect(reply!.usage).toEqual(started.usage);
    const streamed = await streamChat(host.url, { conversation_id: started.conversation_id, message: 'and these' }, bearer(KEY_A));
    expect(eventsNamed(streamed, 'message')[0]?.usage).toEqual({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it('regenerates the last reply, unary and streamed, replacing it in place; a stale id is aborted', async () => {
    const started = await start('regenerate me');
    const id = started.conversation_id as string;
    const firstReply = (await chat('DescribeConversation', { conversation_id: id })).body.conversation.messages[1];

    const regenerated = await chat('RegenerateReply', { conversation_id: id, message_id: firstReply.id });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.reply).toMatch(/^echo \d+: regenerate me$/);
    expect(regenerated.body.reply).not.toBe(firstReply.content);
    expect(regenerated.body.message_id).not.toBe(firstReply.id);

    const streamed = await streamChat(host.url, { conversation_id: id, regenerate_message_id: regenerated.body.message_id }, bearer(KEY_A));
    const names = streamed.events.map((event) => event.event);
    expect([names[0], names.at(-1), names.includes('delta')]).toEqual(['conversation', 'message', true]);
    const message = eventsNamed(streamed, 'message')[0]!;
    const messages = (await chat('DescribeConversation', { conversation_id: id })).body.conversation.messages as Array<Record<string, any>>;
    expect(messages.map((stored) => stored.content)).toEqual(['regenerate me', message.reply]);
    expect(messages[1]!.id).toBe(message.message_id);

    const stale = await chat('RegenerateReply', { conversation_id: id, message_id: firstReply.id });
    expect([stale.status, stale.body.code, stale.body.meta]).toEqual([409, 'aborted', { argument: 'message_id' }]);
    const withMessage = await streamChat(host.url, { conversation_id: id, message: 'also this', regenerate_message_id: message.message_id }, bearer(KEY_A));
    expect([withMessage.status, withMessage.error?.code, withMessage.error?.meta]).toEqual([400, 'invalid_argument', { argument: 'message' }]);
    const intruder = await chat('RegenerateReply', { conversation_id: id, message_id: message.message_id }, KEY_B);
    expect([intruder.status, intruder.body.code]).toEqual([404, 'not_found']);
  });

  it('carries an MCP tool’s image and structured result to the stored turn and the API; disguised markup never gets through', async () => {
    const started = await start('call pictures__show_image {}');
    const call = started.tool_calls?.[0];
    expect(call).toMatchObject({ name: 'pictures__show_image', outcome: 'ok', data: '{"colour":"red"}', images: [{ mime_type: 'image/png', data: RED_DOT_PNG }] });
    expect(call.result).toContain('[image image/png, 75 bytes, shown to the user]');
    const described = await chat('DescribeConversation', { conversation_id: started.conversation_id });
    expect(described.body.conversation.messages[1].tool_calls[0].images).toEqual([{ mime_type: 'image/png', data: RED_DOT_PNG }]);
    // Over protobuf the image is bytes: protoc shows them escaped, starting with the PNG signature.
    const viaProtobuf = await protobufCall('DescribeConversation', `conversation_id: "${started.conversation_id}"`);
    expect(viaProtobuf.text).toMatch(/images \{\n\s+mime_type: "image\/png"\n\s+data: "\\211PNG\\r\\n\\032\\n/);

    const disguised = await start('call pictures__show_disguised_images {}');
    expect(disguised.tool_calls?.[0]).toMatchObject({ outcome: 'ok' });
    expect(disguised.tool_calls?.[0]?.images).toBeUndefined();
  });

  it('answers malformed, oversized and hostile bodies on every new RPC with a Twirp error, before any work', async () => {
    const { conversation_id: id } = await start('hostile bodies target');
    const replyRequests = () => fake.completionBodies('fake-chat').length;
    const before = replyRequests();
    const wrongTypes: Record<string, string> = {
      RenameConversation: `{"conversation_id": "${id}", "title": 1}`,
      DeleteConversation: `{"conversation_id": ["${id}"]}`,
      ExportConversation: `{"conversation_id": "${id}", "format": {}}`,
      RegenerateReply: `{"conversation_id": "${id}", "message_id": []}`,
    };
    for (const [method, wrongType] of Object.entries(wrongTypes)) {
      for (const body of ['{"conversation_id": 5}', '[]', 'not json', '{"conversation_id": {"$ne": null}}', wrongType]) {
        const response = await chat(method, body);
        expect([response.status, response.body.code], `${method} ${body}`).toEqual([400, 'malformed']);
      }
      const oversized = await chat(method, { conversation_id: id, title: 'x'.repeat(1_100_000) });
      expect([oversized.status, oversized.body.code, oversized.body.meta?.argument], method).toEqual([413, 'resource_exhausted', 'body']);
      const truncated = await fetch(`${host.url}/twirp/acai.chat.ChatService/${method}`, { method: 'POST', headers: { 'content-type': 'application/protobuf', ...bearer(KEY_A) }, body: Buffer.from([0x0a, 0x40, 0x61]) });
      expect([truncated.status, ((await truncated.json()) as { code?: string }).code], method).toEqual([400, 'malformed']);
    }
    expect(replyRequests()).toBe(before);
    expect((await chat('DescribeConversation', { conversation_id: id })).body.conversation.title).toMatch(/^About /);
  });

  it('checks conversation ids as DescribeConversation does on every new RPC: required, and a malformed one is not found', async () => {
    for (const [method, body] of [
      ['RenameConversation', { title: 'x' }],
      ['DeleteConversation', {}],
      ['ExportConversation', {}],
      ['RegenerateReply', { message_id: 'ffffffffffffffffffffffff' }],
    ] as const) {
      const missing = await chat(method, { ...body, conversation_id: '' });
      expect([missing.status, missing.body.code, missing.body.meta?.argument], method).toEqual([400, 'invalid_argument', 'conversation_id']);
      for (const conversationId of ['not-an-object-id', ' 0123456789abcdef01234567', '{"$gt":""}', 'f'.repeat(64 * 1024)]) {
        const malformed = await chat(method, { ...body, conversation_id: conversationId });
        expect([malformed.status, malformed.body], `${method} ${conversationId.slice(0, 30)}`).toEqual([404, { code: 'not_found', msg: 'invalid conversation ID' }]);
      }
      const unknown = await chat(method, { ...body, conversation_id: '0123456789abcdef01234567' });
      expect(unknown.body.code, method).toBe('not_found');
    }
  });
});
