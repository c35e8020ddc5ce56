import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkTelegramHtml } from './check-telegram-html.js';

/** One Bot API call the bot made, as the fake received it. */
export interface RecordedCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
  /** Envelope the fake answered with. */
  readonly response: TelegramEnvelope;
}

/** The Bot API envelope: `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`. */
export type TelegramEnvelope =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };

/** A Telegram User object. */
export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** A Telegram Chat object. */
export interface TelegramChat {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  first_name?: string;
  username?: string;
}

interface PendingPoll {
  offset: number;
  limit: number;
  respond: (envelope: TelegramEnvelope) => void;
  timer: NodeJS.Timeout;
}

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

/** Options for {@link startFakeTelegramServer}. */
export interface FakeTelegramOptions {
  /** The only token the fake accepts (others get 401 Unauthorized). */
  token?: string;
  bot?: Partial<TelegramUser>;
}

/**
 * A local Telegram Bot API: `POST /bot<token>/<method>` with the real envelopes, status codes and
 * description strings. It implements getMe, deleteWebhook, setWebhook, getWebhookInfo, getUpdates
 * (offset confirmation, limit, long-poll timeout, 409 for a competing poll or an active webhook),
 * sendMessage (1–4096 characters after entity parsing, HTML parse-mode checks) and sendChatAction,
 * records every call, and lets tests push updates shaped exactly like Telegram's.
 */
export class FakeTelegramServer {
  readonly token: string;
  readonly botUser: TelegramUser & { can_join_groups: boolean; can_read_all_group_messages: boolean; supports_inline_queries: boolean };
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private port = 0;
  private nextUpdateId = 10_000;
  private nextMessageId = 1;
  private readonly queue: Record<string, unknown>[] = [];
  private readonly knownChats = new Map<number, TelegramChat>();
  private pendingPoll: PendingPoll | undefined;
  private webhookUrl = '';
  private readonly failures = new Map<string, TelegramEnvelope[]>();
  private readonly listeners = new Set<() => void>();

  constructor(options: FakeTelegramOptions = {}) {
    this.token = options.token ?? '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11';
    this.botUser = {
      id: Number(this.token.split(':')[0]),
      is_bot: true,
      first_name: 'Acai Test Bot',
      username: 'acai_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      ...options.bot,
    };
  }

  /** `http://127.0.0.1:<port>` — pass it as grammY's `client.apiRoot` (no trailing slash). */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    if (this.pendingPoll) this.answerPoll(this.pendingPoll, { ok: true, result: [] });
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Queues an update; `update_id` is assigned. Returns the full update. */
  pushUpdate(update: Record<string, unknown>): Record<string, unknown> {
    const full: Record<string, unknown> = { update_id: this.nextUpdateId++, ...update };
    const message = (full.message ?? full.edited_message) as { chat?: TelegramChat } | undefined;
    if (message?.chat) this.knownChats.set(message.chat.id, message.chat);
    this.queue.push(full);
    if (this.pendingPoll) this.answerPoll(this.pendingPoll, { ok: true, result: this.takeUpdates(this.pendingPoll.offset, this.pendingPoll.limit) });
    return full;
  }

  /** Pushes a text message update the way Telegram sends it (with bot_command entities for /commands). */
  pushText(options: { text: string; chat: TelegramChat; from: TelegramUser; replyToBot?: boolean }): Record<string, unknown> {
    return this.pushUpdate({ message: this.textMessage(options) });
  }

  /** A Message object for a text message. */
  textMessage(options: { text: string; chat: TelegramChat; from: TelegramUser; replyToBot?: boolean }): Record<string, unknown> {
    this.knownChats.set(options.chat.id, options.chat);
    const message: Record<string, unknown> = {
      message_id: this.nextMessageId++,
      date: 1_767_225_600 + this.nextMessageId,
      from: options.from,
      chat: options.chat,
      text: options.text,
    };
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(options.text);
    const entities: Array<{ type: string; offset: number; length: number }> = [];
    if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
    for (const mention of options.text.matchAll(/@[A-Za-z0-9_]{5,}/g)) {
      if (mention.index !== 0 || !command) entities.push({ type: 'mention', offset: mention.index, length: mention[0].length });
    }
    if (entities.length > 0) message.entities = entities;
    if (options.replyToBot) {
      message.reply_to_message = {
        message_id: 1,
        date: 1_767_225_600,
        from: { id: this.botUser.id, is_bot: true, first_name: this.botUser.first_name, username: this.botUser.username },
        chat: options.chat,
        text: 'earlier answer',
      };
    }
    return message;
  }

  /** Makes the next call(s) of `method` fail with this envelope (once per entry). */
  failNext(method: string, failure: { error_code: number; description: string; parameters?: { retry_after?: number } }): void {
    const list = this.failures.get(method) ?? [];
    list.push({ ok: false, ...failure });
    this.failures.set(method, list);
  }

  /** Calls of one method, in order. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Successful sendMessage texts (as sent, before entity parsing), optionally for one chat. */
  sentTexts(chatId?: number): string[] {
    return this.callsOf('sendMessage')
      .filter((call) => call.response.ok && (chatId === undefined || Number(call.params.chat_id) === chatId))
      .map((call) => String(call.params.text));
  }

  /** Resolves when `predicate` holds (checked after every call); rejects after `timeoutMs` with what was seen. */
  waitFor(predicate: () => boolean, description: string, timeoutMs = 15_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Telegram: timed out waiting for ${description}; calls: ${this.calls.map((call) => call.method).join(', ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  /** Resolves once `count` successful messages were sent to `chatId`; returns all texts sent there. */
  async waitForMessages(chatId: number, count: number): Promise<string[]> {
    await this.waitFor(() => this.sentTexts(chatId).length >= count, `${count} message(s) to chat ${chatId}`);
    return this.sentTexts(chatId);
  }

  /** True while a getUpdates long poll is waiting (the bot is polling). */
  get isPolling(): boolean {
    return this.pendingPoll !== undefined;
  }

  private takeUpdates(offset: number, limit: number): Record<string, unknown>[] {
    return this.queue.filter((update) => (update.update_id as number) >= offset).slice(0, limit);
  }

  private answerPoll(poll: PendingPoll, envelope: TelegramEnvelope): void {
    clearTimeout(poll.timer);
    if (this.pendingPoll === poll) this.pendingPoll = undefined;
    poll.respond(envelope);
  }

  private record(method: string, params: Record<string, unknown>, response: TelegramEnvelope): void {
    this.calls.push({ method, params, response });
    this.notify();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const send = (envelope: TelegramEnvelope) => {
      const status = envelope.ok ? 200 : envelope.error_code;
      const body = JSON.stringify(envelope);
      response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    };
    const url = new URL(request.url ?? '/', 'http://fake');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return send({ ok: false, error_code: 404, description: 'Not Found' });
    const [, token, rawMethod] = match;
    if (!/^\d+:[\w-]+$/.test(token!)) return send({ ok: false, error_code: 404, description: 'Not Found' });
    if (token !== this.token) return send({ ok: false, error_code: 401, description: 'Unauthorized' });

    let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const contentType = request.headers['content-type'] ?? '';
    if (body !== '') {
      if (contentType.startsWith('application/json')) {
        try {
          params = { ...params, ...(JSON.parse(body) as Record<string, unknown>) };
        } catch {
          return send({ ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
        }
      } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
        params = { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
      }
    }
    const method = rawMethod!.toLowerCase();
    const injected = this.failures.get(method)?.shift() ?? this.failures.get(rawMethod!)?.shift();
    if (injected) {
      this.record(rawMethod!, params, injected);
      return send(injected);
    }
    if (method === 'getupdates') return this.getUpdates(rawMethod!, params, send);
    const envelope = this.dispatch(method, params);
    this.record(rawMethod!, params, envelope);
    send(envelope);
  }

  private getUpdates(method: string, params: Record<string, unknown>, send: (envelope: TelegramEnvelope) => void): void {
    if (this.webhookUrl !== '') {
      const envelope: TelegramEnvelope = {
        ok: false,
        error_code: 409,
        description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      };
      this.record(method, params, envelope);
      return send(envelope);
    }
    const offset = Number(params.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(params.limit ?? 100)));
    const timeoutSeconds = Math.max(0, Number(params.timeout ?? 0));
    if (offset < 0) {
      const keep = this.queue.slice(offset);
      this.queue.splice(0, this.queue.length, ...keep);
    } else {
      // An update is confirmed once getUpdates is called with a higher offset.
      while (this.queue.length > 0 && (this.queue[0]!.update_id as number) < offset) this.queue.shift();
    }
    if (this.pendingPoll) {
      this.answerPoll(this.pendingPoll, {
        ok: false,
        error_code: 409,
        description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
    }
    const available = offset < 0 ? this.queue.slice(0, limit) : this.takeUpdates(offset, limit);
    if (available.length > 0 || timeoutSeconds === 0) {
      const envelope: TelegramEnvelope = { ok: true, result: available };
      this.record(method, params, envelope);
      return send(envelope);
    }
    const poll: PendingPoll = {
      offset,
      limit,
      respond: (envelope) => {
        this.record(method, params, envelope);
        send(envelope);
      },
      timer: setTimeout(() => this.answerPoll(poll, { ok: true, result: [] }), timeoutSeconds * 1000),
    };
    this.pendingPoll = poll;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private dispatch(method: string, params: Record<string, unknown>): TelegramEnvelope {
    switch (method) {
      case 'getme':
        return { ok: true, result: this.botUser };
      case 'deletewebhook':
        this.webhookUrl = '';
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.queue.splice(0);
        return { ok: true, result: true };
      case 'setwebhook': {
        const secret = params.secret_token;
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(secret))) {
          return { ok: false, error_code: 400, description: 'Bad Request: secret token contains unallowed characters' };
        }
        this.webhookUrl = String(params.url ?? '');
        return { ok: true, result: true };
      }
      case 'getwebhookinfo':
        return { ok: true, result: { url: this.webhookUrl, has_custom_certificate: false, pending_update_count: this.queue.length } };
      case 'sendchataction': {
        const chat = this.findChat(params.chat_id);
        if (!chat) return { ok: false, error_code: 400, description: 'Bad Request: chat not found' };
        if (!CHAT_ACTIONS.has(String(params.action))) {
          return { ok: false, error_code: 400, description: 'Bad Request: wrong parameter action in request' };
        }
        return { ok: true, result: true };
      }
      case 'sendmessage':
        return this.sendMessage(params);
      default:
        return { ok: false, error_code: 404, description: 'Not Found' };
    }
  }

  private findChat(chatId: unknown): TelegramChat | undefined {
    if (chatId === undefined || chatId === null || chatId === '') return undefined;
    return this.knownChats.get(Number(chatId));
  }

  private sendMessage(params: Record<string, unknown>): TelegramEnvelope {
    if (params.chat_id === undefined) return { ok: false, error_code: 400, description: 'Bad Request: chat_id is empty' };
    const chat = this.findChat(params.chat_id);
    if (!chat) return { ok: false, error_code: 400, description: 'Bad Request: chat not found' };
    const raw = params.text === undefined ? '' : String(params.text);
    let text = raw;
    const parseMode = params.parse_mode === undefined ? undefined : String(params.parse_mode);
    if (parseMode === 'HTML') {
      const checked = checkTelegramHtml(raw);
      if (!checked.ok) return { ok: false, error_code: 400, description: `Bad Request: can't parse entities: ${checked.error}` };
      text = checked.text;
    } else if (parseMode !== undefined && parseMode !== 'MarkdownV2' && parseMode !== 'Markdown') {
      return { ok: false, error_code: 400, description: `Bad Request: unsupported parse_mode` };
    }
    if (text.trim() === '') return { ok: false, error_code: 400, description: 'Bad Request: message text is empty' };
    if (text.length > 4096) return { ok: false, error_code: 400, description: 'Bad Request: message is too long' };
    return {
      ok: true,
      result: {
        message_id: this.nextMessageId++,
        date: 1_767_225_600 + this.nextMessageId,
        chat,
        from: { id: this.botUser.id, is_bot: true, first_name: this.botUser.first_name, username: this.botUser.username },
        text,
      },
    };
  }
}

/** Starts a fake Bot API server on a free loopback port. */
export async function startFakeTelegramServer(options: FakeTelegramOptions = {}): Promise<FakeTelegramServer> {
  return new FakeTelegramServer(options).listen();
}
