import { MESSAGE_OVERHEAD_TOKENS, type ModelMessage, type ModelTool, type TokenCounter } from '../llm/index.js';
import type { ConversationSummary, StoredMessage } from '../storage/conversation-store.js';
import { contextTokenCacheFor } from './context-token-cache.js';

/** What replaces an old tool result when the context must shrink. */
export const OMITTED_TOOL_RESULT = '[result omitted]';

/** Input for {@link buildModelContext}. */
export interface ContextBuildInput {
  readonly systemPrompt: string;
  /** The loaded (recent) stored messages, oldest first. */
  readonly history: readonly StoredMessage[];
  /** Index in the full conversation of history[0]. */
  readonly firstMessageIndex: number;
  readonly summary?: ConversationSummary | undefined;
  readonly userMessage: string;
  readonly tools: readonly ModelTool[];
  /** Prompt budget in (corrected) tokens, tools and system prompt included. */
  readonly tokenBudget: number;
  readonly counter: TokenCounter;
}

/** A stored message with its position in the full conversation. */
export interface IndexedMessage {
  readonly index: number;
  readonly message: StoredMessage;
}

/** The messages to send and what had to be left out. */
export interface ModelContext {
  readonly messages: readonly ModelMessage[];
  /** Raw (uncorrected) token estimate of messages + tools, reported to the adapter for correction. */
  readonly rawPromptTokens: number;
  /** Tokens of the new user message's text (stored with it, so it is not counted again). */
  readonly userMessageTokens: number;
  /** Stored messages of whole turns that did not fit, oldest first (input for summarization). */
  readonly droppedMessages: readonly IndexedMessage[];
  readonly omittedToolResults: number;
}

interface Entry {
  message: ModelMessage;
  tokens: number;
  readonly isToolResult: boolean;
}

interface Turn {
  readonly stored: IndexedMessage[];
  readonly entries: Entry[];
}

/**
 * Builds the prompt from the persisted conversation (never from a side cache, so nothing is ever
 * duplicated): system prompt (+ summary), the stored turns with their tool calls and results in
 * OpenAI shape, and the new user message. When the budget is exceeded it first replaces the oldest
 * tool results with a short marker, then drops the oldest whole turns (so tool calls stay paired).
 * The system prompt and the current user message are never dropped.
 */
export function buildModelContext(input: ContextBuildInput): ModelContext {
  const { counter } = input;
  const cache = contextTokenCacheFor(counter);
  const coveredThrough = input.summary?.coversThroughIndex ?? -1;
  const systemContent =
    input.summary && coveredThrough >= 0
      ? `${input.systemPrompt}\n\nSummary of the earlier part of this conversation:\n${input.summary.content}`
      : input.systemPrompt;
  const system: ModelMessage = { role: 'system', content: systemContent };
  const user: ModelMessage = { role: 'user', content: input.userMessage };

  const turns: Turn[] = [];
  input.history.forEach((message, offset) => {
    const index = input.firstMessageIndex + offset;
    if (index <= coveredThrough) return;
    let turn = turns.at(-1);
    if (message.role === 'user' || turn === undefined) {
      turn = { stored: [], entries: [] };
      turns.push(turn);
    }
    turn.stored.push({ index, message });
    const replayed = toModelMessages(message);
    // Plain messages carry their token count from when they were stored; the replay of a
    // tool-calling turn is counted once per process: no re-tokenizing per turn either way.
    const isPlain = replayed.length === 1 && message.tokens !== undefined;
    const counts = isPlain ? [message.tokens! + MESSAGE_OVERHEAD_TOKENS] : cache.replayTokens(message, replayed);
    replayed.forEach((modelMessage, position) => {
      turn.entries.push({ message: modelMessage, tokens: counts[position]!, isToolResult: modelMessage.role === 'tool' });
    });
  });

  const userMessageTokens = counter.countText(input.userMessage);
  // countPrompt([user], tools) = reply priming + the user message + the tool definitions (cached).
  const fixedTokens =
    cache.systemMessageTokens(systemContent) + counter.countPrompt([{ role: 'user', content: '' }], input.tools) + userMessageTokens;
  let historyTokens = 0;
  for (const turn of turns) for (const entry of turn.entries) historyTokens += entry.tokens;
  const fits = (): boolean => counter.corrected(fixedTokens + historyTokens) <= input.tokenBudget;

  let omittedToolResults = 0;
  if (!fits()) {
    outer: for (const turn of turns) {
      for (const entry of turn.entries) {
        if (!entry.isToolResult || entry.message.role !== 'tool' || entry.message.content === OMITTED_TOOL_RESULT) continue;
        const replaced: ModelMessage = { role: 'tool', toolCallId: entry.message.toolCallId, content: OMITTED_TOOL_RESULT };
        const tokens = counter.countMessage(replaced);
        historyTokens += tokens - entry.tokens;
        entry.message = replaced;
        entry.tokens = tokens;
        omittedToolResults += 1;
        if (fits()) break outer;
      }
    }
  }

  const droppedMessages: IndexedMessage[] = [];
  while (!fits() && turns.length > 0) {
    const dropped = turns.shift()!;
    for (const entry of dropped.entries) historyTokens -= entry.tokens;
    droppedMessages.push(...dropped.stored);
  }

  const messages: ModelMessage[] = [system];
  for (const turn of turns) for (const entry of turn.entries) messages.push(entry.message);
  messages.push(user);
  return { messages, rawPromptTokens: fixedTokens + historyTokens, userMessageTokens, droppedMessages, omittedToolResults };
}

/** How one stored message is replayed to the model. */
export function toModelMessages(message: StoredMessage): ModelMessage[] {
  if (message.role === 'user') return [{ role: 'user', content: message.content }];
  const calls = message.toolCalls ?? [];
  if (calls.length === 0) return [{ role: 'assistant', content: message.content }];
  return [
    {
      role: 'assistant',
      content: null,
      toolCalls: calls.map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })),
    },
    ...calls.map((call): ModelMessage => ({ role: 'tool', toolCallId: call.id, content: call.result })),
    { role: 'assistant', content: message.content },
  ];
}
