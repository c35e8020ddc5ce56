import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '@acai/plugin-sdk';
import type { KeyValueStore } from '../cache/index.js';
import { HostError, invalidArgument } from '../errors/index.js';
import type { ModelClient } from '../llm/index.js';
import type {
  Conversation,
  ConversationPage,
  ConversationStore,
  ConversationSummary,
  NewMessage,
  SessionIdentity,
  ToolCallRecord,
} from '../storage/conversation-store.js';
import { createObjectIdHex, isObjectIdHex } from '../storage/object-id.js';
import type { ToolExecutor } from '../tool-calls/index.js';
import { buildModelContext, type IndexedMessage, type ModelContext } from './build-model-context.js';
import type { CallerContext } from './caller-context.js';
import { fallbackTitle } from './format-title.js';
import { runToolLoop, type ToolLoopResult } from './run-tool-loop.js';
import { createSystemPrompts, SUMMARY_PROMPT, type SystemPromptConfig } from './system-prompts.js';
import { createTitleGenerator } from './title-generator.js';
import type { TurnEvents } from './turn-events.js';

/** Tunables of the chat use cases (env-driven by the config module). */
export interface ChatServiceOptions {
  /** Largest accepted user message in UTF-8 bytes (MAX_MESSAGE_BYTES, default 32 KiB). */
  readonly maxMessageBytes: number;
  /** Model calls per turn that may ask for tools (CHAT_MAX_TOOL_STEPS, default 8). */
  readonly maxToolSteps: number;
  /** Invalid-argument corrections per tool per turn (default 3). */
  readonly maxCorrectionsPerTool: number;
  /** Prompt budget in tokens, system prompt and tool definitions included (CONTEXT_TOKEN_BUDGET, default 16,000). */
  readonly contextTokenBudget: number;
  /** Newest stored messages loaded per turn; bounds the cost of long conversations (default 100). */
  readonly recentMessages: number;
  /** Summarize turns that fall out of the budget (CHAT_SUMMARIZE, default false). */
  readonly summarize: boolean;
  /** Title cache TTL (TITLE_CACHE_TTL_HOURS; default 30 days). */
  readonly titleCacheTtlSeconds: number;
  /** How long a finished reply waits for a title still being generated before using the fallback (default 1.5 s). */
  readonly titleGraceMs: number;
  /** Operator system prompts (PROMPTS_FILE). */
  readonly prompts?: SystemPromptConfig | undefined;
  /** Reply used when the model's final answer is empty. */
  readonly emptyReplyText: string;
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  /** Platform recorded for prompts when a request carries no session (default "api"). */
  readonly defaultPlatform: string;
}

export const DEFAULT_CHAT_SERVICE_OPTIONS: ChatServiceOptions = {
  maxMessageBytes: 32 * 1024,
  maxToolSteps: 8,
  maxCorrectionsPerTool: 3,
  contextTokenBudget: 16_000,
  recentMessages: 100,
  summarize: false,
  titleCacheTtlSeconds: 30 * 24 * 60 * 60,
  titleGraceMs: 1_500,
  emptyReplyText: "Sorry, I couldn't come up with an answer to that. Could you rephrase or add some detail?",
  defaultPageSize: 20,
  maxPageSize: 100,
  defaultPlatform: 'api',
};

/** Session lookup (core/src/sessions SessionResolver): Redis first, the store as fallback. */
export interface SessionDirectory {
  resolve(tenantId: string, session: SessionIdentity): Promise<{ readonly conversationId?: string | undefined; readonly source: string }>;
  /**
   * Resolves the session or runs `create` and binds its conversation; concurrent calls for one session
   * share the outcome, so two quick first messages cannot open two conversations.
   */
  resolveOrCreate(
    tenantId: string,
    session: SessionIdentity,
    create: () => Promise<string>,
  ): Promise<{ readonly conversationId: string; readonly source: string; readonly isNew: boolean }>;
  bind(tenantId: string, session: SessionIdentity, conversationId: string): Promise<void>;
}

/** What the use cases need. */
export interface ChatServiceDeps {
  readonly store: ConversationStore;
  readonly sessions: SessionDirectory;
  readonly model: ModelClient;
  readonly tools: ToolExecutor;
  /** Title cache (Redis or memory). */
  readonly cache: KeyValueStore;
  /** Time source for the system prompt and message timestamps. */
  readonly clock: Clock;
  readonly options?: Partial<ChatServiceOptions> | undefined;
}

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
}

/** A streamed turn: by conversation id, by session, or (neither given) in a new conversation. */
export type ContinueChatStreamInput = ContinueConversationInput;

export interface ContinueChatStreamResult extends ContinueConversationResult {
  readonly isNew: boolean;
  /** New conversations only: the title stored with it (a generated one may replace it shortly after). */
  readonly title?: string | undefined;
}

export interface ListConversationsInput {
  /** 0 or undefined → default page size; larger than the maximum → the maximum. */
  readonly pageSize?: number | undefined;
  readonly pageToken?: string | undefined;
}

/** The four chat use cases, tenant-scoped by the caller. */
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
}

const MAX_SESSION_FIELD_LENGTH = 256;
// Transcript sent for summarization is capped so one summary call stays cheap.
const MAX_SUMMARY_INPUT_CHARACTERS = 48_000;

/**
 * Builds the chat use cases. Persistence rule: a turn is stored only when it completed — the user
 * message and the assistant reply (with the turn's tool calls) go in one atomic append (or one
 * create), so a failed turn leaves nothing half-written and the client gets an error instead.
 */
export function createChatService(deps: ChatServiceDeps): ChatService {
  const options: ChatServiceOptions = { ...DEFAULT_CHAT_SERVICE_OPTIONS, ...deps.options };
  const { store, sessions, model, tools, clock } = deps;
  const prompts = createSystemPrompts({ config: options.prompts, clock });
  const titles = createTitleGenerator({ model, cache: deps.cache, ttlSeconds: options.titleCacheTtlSeconds });
  const loopSettings = {
    maxSteps: options.maxToolSteps,
    maxCorrectionsPerTool: options.maxCorrectionsPerTool,
    emptyReplyText: options.emptyReplyText,
  };

  function validateMessage(message: string): void {
    if (message.trim() === '') throw invalidArgument('message', 'message is required');
    const bytes = Buffer.byteLength(message, 'utf8');
    if (bytes > options.maxMessageBytes) {
      throw invalidArgument('message', `message is too long: ${bytes} bytes, the limit is ${options.maxMessageBytes}`);
    }
  }

  function ensureModelConfigured(): void {
    if (!model.isConfigured) {
      throw new HostError(
        'HOST_MODEL_NOT_CONFIGURED',
        'no model endpoint is configured: set OPENAI_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)',
      );
    }
  }

  interface Turn {
    readonly loop: ToolLoopResult;
    readonly promptVersion: string;
    readonly userMessageTokens: number;
  }

  async function runTurn(
    caller: CallerContext,
    userMessage: string,
    platform: string,
    conversation: Conversation | undefined,
    events: TurnEvents | undefined,
  ): Promise<Turn> {
    const offered = tools.listModelTools();
    const prompt = prompts.render({ tenantId: caller.tenantId, platform, tools: offered });
    const build = (summary: ConversationSummary | undefined): ModelContext =>
      buildModelContext({
        systemPrompt: prompt.content,
        history: conversation?.messages ?? [],
        firstMessageIndex: conversation?.firstMessageIndex ?? 0,
        summary,
        userMessage,
        tools: offered,
        tokenBudget: options.contextTokenBudget,
        counter: model.tokenCounter,
      });
    let context = build(conversation?.summary);
    if (options.summarize && conversation && context.droppedMessages.length > 0) {
      const summary = await summarize(caller, conversation, context.droppedMessages);
      if (summary) context = build(summary);
    }
    if (context.droppedMessages.length > 0 || context.omittedToolResults > 0) {
      caller.logger.debug(
        { droppedMessages: context.droppedMessages.length, omittedToolResults: context.omittedToolResults },
        'history trimmed to the context budget',
      );
    }
    const loop = await runToolLoop(
      { model, executor: tools, settings: loopSettings },
      { messages: context.messages, rawPromptTokens: context.rawPromptTokens, tools: offered, caller, events },
    );
    return { loop, promptVersion: prompt.version, userMessageTokens: context.userMessageTokens };
  }

  async function summarize(
    caller: CallerContext,
    conversation: Conversation,
    dropped: readonly IndexedMessage[],
  ): Promise<ConversationSummary | undefined> {
    const previous = conversation.summary ? `Summary so far:\n${conversation.summary.content}\n\n` : '';
    const transcript = dropped
      .map(({ message }) => {
        const tools = (message.toolCalls ?? []).map((call) => `  [tool ${call.name}(${call.arguments}) → ${call.result}]`);
        return [`${message.role === 'user' ? 'User' : 'Assistant'}: ${message.content}`, ...tools].join('\n');
      })
      .join('\n');
    const text = `${previous}Conversation to summarize:\n${transcript}`.slice(-MAX_SUMMARY_INPUT_CHARACTERS);
    try {
      const completion = await model.complete(
        {
          purpose: 'summary',
          messages: [
            { role: 'system', content: SUMMARY_PROMPT },
            { role: 'user', content: text },
          ],
        },
        { signal: caller.signal, deadline: caller.deadline },
      );
      const content = completion.content?.trim() ?? '';
      if (content === '') return undefined;
      const summary: ConversationSummary = {
        content,
        coversThroughIndex: dropped.at(-1)!.index,
        createdAt: clock.now(),
      };
      await store.setSummary(caller.tenantId, conversation.id, summary);
      return summary;
    } catch (error) {
      // Deadline and cancellation end the request; anything else only costs the summary (history is still trimmed).
      if (HostError.isInstance(error) && (error.code === 'HOST_DEADLINE_EXCEEDED' || error.code === 'HOST_CANCELED')) throw error;
      caller.logger.warn({ err: error }, 'summarization failed; continuing with trimmed history');
      return undefined;
    }
  }

  function ensureStillWanted(caller: CallerContext): void {
    if (caller.signal.aborted && Date.now() < caller.deadline) {
      throw new HostError('HOST_CANCELED', 'the request was canceled', { cause: caller.signal.reason });
    }
    if (Date.now() >= caller.deadline || caller.signal.aborted) {
      throw new HostError('HOST_DEADLINE_EXCEEDED', 'the request deadline was exceeded');
    }
  }

  /** The turn's two messages; the reply's id is chosen here so a streamed turn can report it. */
  function turnMessages(userMessage: string, turn: Turn, startedAt: Date): { messages: NewMessage[]; replyId: string } {
    const counter = model.tokenCounter;
    const answeredAt = clock.now();
    const replyId = createObjectIdHex(answeredAt);
    const messages: NewMessage[] = [
      { role: 'user', content: userMessage, createdAt: startedAt, tokens: turn.userMessageTokens },
      {
        id: replyId,
        role: 'assistant',
        content: turn.loop.reply,
        createdAt: answeredAt,
        promptVersion: turn.promptVersion,
        tokens: counter.countText(turn.loop.reply),
        ...(turn.loop.toolCalls.length > 0 ? { toolCalls: turn.loop.toolCalls } : {}),
      },
    ];
    return { messages, replyId };
  }

  /** A turn that creates its conversation: title generation runs next to the reply. */
  async function startFresh(
    caller: CallerContext,
    message: string,
    session: SessionIdentity | undefined,
    shouldBindSession: boolean,
    events: TurnEvents | undefined,
  ): Promise<StartConversationResult> {
    const startedAt = clock.now();
    // Chosen now so a streamed turn can name its conversation before anything is stored.
    const conversationId = createObjectIdHex(startedAt);
    await events?.conversation?.({ conversationId, isNew: true });
    let title: string | undefined;
    // Started on the next turn of the event loop: by then the reply's model request (what the user is
    // waiting for) has gone out, and the title's cache lookup and model call follow it, not lead it.
    const titlePromise = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => titles.titleFor(message, { signal: caller.signal, deadline: caller.deadline, logger: caller.logger }))
      .then((value) => {
        title = value;
        return value;
      });
    const turn = await runTurn(caller, message, session?.platform ?? options.defaultPlatform, undefined, events);
    // A slow title never holds the reply back for long: after a short grace the fallback is stored
    // and the generated title replaces it when it arrives.
    if (title === undefined) await Promise.race([titlePromise, sleep(options.titleGraceMs, undefined, { ref: false })]);
    const provisionalTitle = title ?? fallbackTitle(message);
    ensureStillWanted(caller);
    const { messages, replyId } = turnMessages(message, turn, startedAt);
    const conversation = await store.create({
      id: conversationId,
      tenantId: caller.tenantId,
      title: provisionalTitle,
      ...(session ? { session } : {}),
      messages,
    });
    if (title === undefined) {
      void titlePromise.then(async (generated) => {
        if (generated === provisionalTitle) return;
        try {
          await store.setTitle(caller.tenantId, conversation.id, generated);
        } catch (error) {
          caller.logger.warn({ err: error }, 'could not store the late title');
        }
      });
    }
    if (session && shouldBindSession) await bindSession(caller, session, conversation.id);
    return {
      conversationId: conversation.id,
      title: provisionalTitle,
      reply: turn.loop.reply,
      toolCalls: turn.loop.toolCalls,
      messageId: replyId,
    };
  }

  async function bindSession(caller: CallerContext, session: SessionIdentity, conversationId: string): Promise<void> {
    try {
      await sessions.bind(caller.tenantId, session, conversationId);
    } catch (error) {
      // The store keeps the session on the conversation, so the fallback lookup still finds it.
      caller.logger.warn({ err: error }, 'could not bind the session; the store fallback will find it');
    }
  }

  async function loadConversation(caller: CallerContext, conversationId: string, recentMessages?: number): Promise<Conversation> {
    const conversation = await store.get(
      caller.tenantId,
      conversationId,
      recentMessages === undefined ? undefined : { recentMessages },
    );
    if (!conversation) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
    return conversation;
  }

  async function continueExisting(
    caller: CallerContext,
    conversation: Conversation,
    message: string,
    events: TurnEvents | undefined,
  ): Promise<ContinueConversationResult> {
    const startedAt = clock.now();
    await events?.conversation?.({ conversationId: conversation.id, isNew: false });
    const turn = await runTurn(caller, message, conversation.session?.platform ?? options.defaultPlatform, conversation, events);
    ensureStillWanted(caller);
    const { messages, replyId } = turnMessages(message, turn, startedAt);
    // No expectedVersion: concurrent turns on one conversation are all kept, each user+assistant pair contiguous.
    const appended = await store.append(caller.tenantId, conversation.id, messages);
    if (!appended) throw new HostError('HOST_CONVERSATION_NOT_FOUND', 'conversation not found');
    return { conversationId: conversation.id, reply: turn.loop.reply, toolCalls: turn.loop.toolCalls, messageId: replyId };
  }

  /**
   * ContinueConversation and its streamed twin: by id, by session (a new session conversation is
   * titled like any other), or — only when `startsWhenUnaddressed` — a new conversation.
   */
  async function continueTurn(
    caller: CallerContext,
    input: ContinueConversationInput,
    events: TurnEvents | undefined,
    startsWhenUnaddressed: boolean,
  ): Promise<ContinueChatStreamResult> {
    validateMessage(input.message);
    const conversationId = input.conversationId ?? '';
    if (conversationId !== '') {
      validateConversationId(conversationId);
      ensureModelConfigured();
      const conversation = await loadConversation(caller, conversationId, options.recentMessages);
      return { ...(await continueExisting(caller, conversation, input.message, events)), isNew: false };
    }
    if (input.session === undefined) {
      if (!startsWhenUnaddressed) {
        throw invalidArgument('conversation_id or session_metadata', 'conversation_id or session_metadata is required');
      }
      ensureModelConfigured();
      return { ...(await startFresh(caller, input.message, undefined, false, events)), isNew: true };
    }
    const session = validateSession(input.session);
    ensureModelConfigured();
    let started: StartConversationResult | undefined;
    const resolved = await sessions.resolveOrCreate(caller.tenantId, session, async () => {
      started = await startFresh(caller, input.message, session, false, events);
      return started.conversationId;
    });
    if (resolved.isNew && started) return { ...started, isNew: true };
    const conversation = await store.get(caller.tenantId, resolved.conversationId, { recentMessages: options.recentMessages });
    if (conversation) return { ...(await continueExisting(caller, conversation, input.message, events)), isNew: false };
    caller.logger.info({ source: resolved.source }, 'session pointed at a missing conversation; starting a new one');
    return { ...(await startFresh(caller, input.message, session, true, events)), isNew: true };
  }

  return {
    async startConversation(caller, input) {
      validateMessage(input.message);
      const session = input.session === undefined ? undefined : validateSession(input.session);
      ensureModelConfigured();
      // A Start with session metadata is how clients say "new chat": a fresh conversation, bound to the session.
      return startFresh(caller, input.message, session, true, undefined);
    },

    async continueConversation(caller, input) {
      const { conversationId, reply, toolCalls, messageId } = await continueTurn(caller, input, undefined, false);
      return { conversationId, reply, toolCalls, messageId };
    },

    continueChatStream: (caller, input, events) => continueTurn(caller, input, events, true),

    async listConversations(caller, input) {
      const requested = input.pageSize ?? 0;
      if (!Number.isInteger(requested) || requested < 0) throw invalidArgument('page_size', 'page_size must be a positive whole number');
      const pageSize = requested === 0 ? options.defaultPageSize : Math.min(requested, options.maxPageSize);
      return store.list(caller.tenantId, {
        pageSize,
        ...(input.pageToken !== undefined && input.pageToken !== '' ? { pageToken: input.pageToken } : {}),
      });
    },

    async describeConversation(caller, input) {
      if (input.conversationId === '') throw invalidArgument('conversation_id', 'conversation_id is required');
      validateConversationId(input.conversationId);
      return loadConversation(caller, input.conversationId);
    },
  };
}

function validateConversationId(conversationId: string): void {
  if (!isObjectIdHex(conversationId)) {
    throw invalidArgument('conversation_id', 'invalid conversation ID: expected 24 hexadecimal characters');
  }
}

function validateSession(input: SessionMetadataInput): SessionIdentity {
  const platform = input.platform?.trim() ?? '';
  const userId = input.userId?.trim() ?? '';
  const chatId = input.chatId?.trim() ?? '';
  const missing = [
    ...(platform === '' ? ['platform'] : []),
    ...(userId === '' ? ['user_id'] : []),
    ...(chatId === '' ? ['chat_id'] : []),
  ];
  if (missing.length > 0) {
    throw invalidArgument('session_metadata', `session_metadata is incomplete: ${missing.join(', ')} required`);
  }
  if ([platform, userId, chatId].some((value) => value.length > MAX_SESSION_FIELD_LENGTH)) {
    throw invalidArgument('session_metadata', `session_metadata fields are limited to ${MAX_SESSION_FIELD_LENGTH} characters`);
  }
  return { platform, userId, chatId };
}
