// A small in-memory chat service speaking the real Twirp JSON wire format (proto field names,
// defaults omitted, `{"code","msg","meta"}` errors), for CLI and Telegram front-end tests until
// they run against the real host.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';

export interface StubToolCall {
  id: string;
  name: string;
  plugin: string;
  plugin_version: string;
  arguments: string;
  outcome: string;
  duration_ms: number;
}

export interface StubMessage {
  id: string;
  role: 'USER' | 'ASSISTANT';
  content: string;
  timestamp: string;
  tool_calls?: StubToolCall[];
}

export interface StubConversation {
  id: string;
  title: string;
  timestamp: string;
  messages: StubMessage[];
  session?: string;
}

export interface StubRequest {
  method: string;
  body: Record<string, unknown>;
  authorization: string | undefined;
}

/** Decides the assistant's reply (and tool calls) for a user message. */
export type StubResponder = (message: string, conversation: StubConversation) => { reply: string; tool_calls?: StubToolCall[] };

type TwirpFailure = { status: number; body: string; contentType?: string };

export class ChatStub {
  readonly requests: StubRequest[] = [];
  readonly conversations = new Map<string, StubConversation>();
  private readonly sessions = new Map<string, string>();
  private readonly failures: TwirpFailure[] = [];
  private clock = Date.parse('2026-03-01T10:00:00Z');
  responder: StubResponder = (message) => ({ reply: `echo: ${message}` });
  private app: FastifyInstance | undefined;
  private port = 0;

  constructor(private readonly options: { apiKey?: string } = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The next `count` calls fail with a Twirp error. */
  failWithTwirp(code: string, msg: string, status: number, count = 1): void {
    for (let index = 0; index < count; index++) this.failures.push({ status, body: JSON.stringify({ code, msg }) });
  }

  /** The next `count` calls get a non-Twirp answer, as from a proxy in front of a down host. */
  failFromIntermediary(status: number, body: string, count = 1): void {
    for (let index = 0; index < count; index++) this.failures.push({ status, body, contentType: 'text/html' });
  }

  /** Requests of one RPC. */
  requestsOf(method: string): StubRequest[] {
    return this.requests.filter((request) => request.method === method);
  }

  async listen(port = 0): Promise<this> {
    const app = Fastify();
    app.post<{ Params: { method: string } }>('/twirp/acai.chat.ChatService/:method', async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      this.requests.push({ method: request.params.method, body, authorization: request.headers.authorization });
      const failure = this.failures.shift();
      if (failure) {
        return reply.code(failure.status).type(failure.contentType ?? 'application/json').send(failure.body);
      }
      if (this.options.apiKey && request.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        return reply.code(401).send({ code: 'unauthenticated', msg: 'missing or invalid API key' });
      }
      try {
        return reply.send(this.dispatch(request.params.method, body));
      } catch (error) {
        const twirp = error as { code: string; msg: string; status: number; meta?: Record<string, string> };
        return reply.code(twirp.status).send({ code: twirp.code, msg: twirp.msg, ...(twirp.meta ? { meta: twirp.meta } : {}) });
      }
    });
    await app.listen({ port, host: '127.0.0.1' });
    this.app = app;
    this.port = (app.server.address() as { port: number }).port;
    return this;
  }

  async close(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private turn(conversation: StubConversation, message: string): { reply: string; tool_calls?: StubToolCall[] } {
    conversation.messages.push({ id: randomBytes(12).toString('hex'), role: 'USER', content: message, timestamp: this.now() });
    const answer = this.responder(message, conversation);
    conversation.messages.push({
      id: randomBytes(12).toString('hex'),
      role: 'ASSISTANT',
      content: answer.reply,
      timestamp: this.now(),
      ...(answer.tool_calls ? { tool_calls: answer.tool_calls } : {}),
    });
    conversation.timestamp = this.now();
    return answer;
  }

  private dispatch(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const fail = (code: string, msg: string, status: number, meta?: Record<string, string>) => {
      throw { code, msg, status, meta };
    };
    const sessionKey = (metadata: unknown): string | undefined => {
      const session = metadata as { platform?: string; user_id?: string; chat_id?: string } | undefined;
      return session?.platform && session.user_id && session.chat_id ? `${session.platform}:${session.chat_id}:${session.user_id}` : undefined;
    };
    const message = typeof body.message === 'string' ? body.message : '';
    switch (method) {
      case 'StartConversation': {
        if (message.trim() === '') fail('invalid_argument', 'message is required', 400, { argument: 'message' });
        const conversation: StubConversation = {
          id: randomBytes(12).toString('hex'),
          title: message.split(/\s+/).slice(0, 4).join(' '),
          timestamp: this.now(),
          messages: [],
        };
        this.conversations.set(conversation.id, conversation);
        const key = sessionKey(body.session_metadata);
        if (key) this.sessions.set(key, conversation.id);
        const answer = this.turn(conversation, message);
        return { conversation_id: conversation.id, title: conversation.title, reply: answer.reply, ...(answer.tool_calls ? { tool_calls: answer.tool_calls } : {}) };
      }
      case 'ContinueConversation': {
        if (message.trim() === '') fail('invalid_argument', 'message is required', 400, { argument: 'message' });
        let id = typeof body.conversation_id === 'string' && body.conversation_id !== '' ? body.conversation_id : undefined;
        if (id === undefined) {
          const key = sessionKey(body.session_metadata);
          if (!key) fail('invalid_argument', 'conversation_id or session_metadata is required', 400);
          id = this.sessions.get(key!);
          if (id === undefined) {
            id = randomBytes(12).toString('hex');
            this.conversations.set(id, { id, title: 'Untitled conversation', timestamp: this.now(), messages: [], session: key! });
            this.sessions.set(key!, id);
          }
        }
        const conversation = this.conversations.get(id);
        if (!conversation) return fail('not_found', 'conversation not found', 404);
        const answer = this.turn(conversation, message);
        return { reply: answer.reply, conversation_id: id, ...(answer.tool_calls ? { tool_calls: answer.tool_calls } : {}) };
      }
      case 'ListConversations': {
        const all = [...this.conversations.values()].sort((a, b) => b.timestamp.localeCompare(a.timestamp));
        const size = typeof body.page_size === 'number' && body.page_size > 0 ? body.page_size : 20;
        const start = typeof body.page_token === 'string' && body.page_token !== '' ? Number(body.page_token) : 0;
        const page = all.slice(start, start + size).map(({ id, title, timestamp }) => ({ id, title, timestamp }));
        const next = start + size < all.length ? String(start + size) : undefined;
        return { ...(page.length > 0 ? { conversations: page } : {}), ...(next ? { next_page_token: next } : {}) };
      }
      case 'DescribeConversation': {
        const id = typeof body.conversation_id === 'string' ? body.conversation_id : '';
        if (id === '') fail('invalid_argument', 'conversation_id is required', 400, { argument: 'conversation_id' });
        const conversation = this.conversations.get(id);
        if (!conversation) fail('not_found', 'conversation not found', 404);
        const { session: _session, ...wire } = conversation!;
        return { conversation: wire };
      }
      default:
        return fail('bad_route', `no handler for path "/twirp/acai.chat.ChatService/${method}"`, 404);
    }
  }
}

export async function startChatStub(options: { apiKey?: string; port?: number } = {}): Promise<ChatStub> {
  return new ChatStub(options.apiKey ? { apiKey: options.apiKey } : {}).listen(options.port ?? 0);
}
