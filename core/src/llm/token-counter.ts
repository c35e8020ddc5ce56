import { createRequire } from 'node:module';
import type * as BpeEncoding from 'gpt-tokenizer/encoding/o200k_base';
import type { ModelMessage, ModelTool } from './model-types.js';

/** Tokens the chat format adds around every message (role markers). */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Tokens that prime the assistant's reply. */
export const REPLY_PRIMING_TOKENS = 3;

/** Raw count of one tool call inside an assistant message: its name plus its arguments (no overhead). */
export function toolCallTokens(counter: Pick<TokenCounter, 'countText'>, call: { readonly name: string; readonly arguments: string }): number {
  return counter.countText(call.name) + counter.countText(call.arguments);
}

/** Raw count of an assistant message that asks for tool calls, from its content's count and each call's {@link toolCallTokens}. */
export function toolCallingMessageTokens(contentTokens: number, callTokens: Iterable<number>): number {
  let total = MESSAGE_OVERHEAD_TOKENS + contentTokens;
  for (const tokens of callTokens) total += tokens + MESSAGE_OVERHEAD_TOKENS;
  return total;
}

const TREAT_SPECIAL_TOKENS_AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Which BPE encoding a model name most likely uses. Unknown and local models get o200k_base. */
export function encodingForModel(model: string | undefined): 'o200k_base' | 'cl100k_base' {
  const name = (model ?? '').toLowerCase();
  // Older OpenAI families; everything newer (gpt-4o, gpt-4.1, gpt-5, o-series) uses o200k_base.
  const isCl100k =
    name.startsWith('gpt-3.5') ||
    name.startsWith('text-embedding') ||
    (name.startsWith('gpt-4') && !name.startsWith('gpt-4o') && !name.startsWith('gpt-4.'));
  return isCl100k ? 'cl100k_base' : 'o200k_base';
}

/**
 * Offline token estimates (the encodings ship with gpt-tokenizer; nothing is downloaded), corrected
 * over time by the prompt_tokens the API reports, because local models tokenize differently.
 */
export interface TokenCounter {
  readonly encoding: 'o200k_base' | 'cl100k_base';
  /** Raw token count of a text. */
  countText(text: string): number;
  /** Raw count of one message including its chat-format overhead. */
  countMessage(message: ModelMessage): number;
  /** Raw count of a whole prompt: messages, reply priming and the tool definitions. */
  countPrompt(messages: readonly ModelMessage[], tools?: readonly ModelTool[]): number;
  /** Raw count of the tool definitions as sent. */
  countTools(tools: readonly ModelTool[]): number;
  /** Scales a raw count by the learned correction ratio. */
  corrected(rawTokens: number): number;
  /** Feeds back what the API reported for a prompt we estimated at `rawTokens`. */
  observe(rawTokens: number, reportedPromptTokens: number): void;
  /** Current reported/estimated ratio (1 until something was observed). */
  readonly correctionRatio: number;
}

// Each encoding's rank table costs 10–20 MB of heap (and more RSS), so only the one a model uses is
// loaded; and gpt-tokenizer's merge cache keeps 100,000 word pieces by default, which under a stream of
// fresh text (timestamps, ids, tool results) churns old-generation objects for a hit rate that 5,000
// entries give as well (bench:capacity).
const MERGE_CACHE_ENTRIES = 5_000;
const loadedEncodings = new Map<string, typeof BpeEncoding>();
const requireEncoding = createRequire(import.meta.url);

function loadEncoding(encoding: 'o200k_base' | 'cl100k_base'): typeof BpeEncoding {
  let loaded = loadedEncodings.get(encoding);
  if (loaded === undefined) {
    loaded = requireEncoding(`gpt-tokenizer/encoding/${encoding}`) as typeof BpeEncoding;
    loaded.setMergeCacheSize(MERGE_CACHE_ENTRIES);
    loadedEncodings.set(encoding, loaded);
  }
  return loaded;
}

/** Builds a counter for a model name. */
export function createTokenCounter(model: string | undefined): TokenCounter {
  const encoding = encodingForModel(model);
  const count = loadEncoding(encoding).countTokens;
  let ratio = 1;
  let observations = 0;
  const toolCountCache = new WeakMap<readonly ModelTool[], number>();

  const countText = (text: string): number => (text.length === 0 ? 0 : count(text, TREAT_SPECIAL_TOKENS_AS_TEXT));
  const countMessage = (message: ModelMessage): number => {
    const contentTokens = countText(message.content ?? '');
    if (message.role !== 'assistant' || !message.toolCalls) return MESSAGE_OVERHEAD_TOKENS + contentTokens;
    return toolCallingMessageTokens(
      contentTokens,
      message.toolCalls.map((call) => toolCallTokens({ countText }, call)),
    );
  };
  const countTools = (tools: readonly ModelTool[]): number => {
    const cached = toolCountCache.get(tools);
    if (cached !== undefined) return cached;
    // One form of each schema goes on the wire: count the strict one, not the loose alternative next to it.
    const total = tools.length === 0 ? 0 : countText(JSON.stringify(tools.map(({ type, function: offered }) => ({ type, function: offered }))));
    toolCountCache.set(tools, total);
    return total;
  };

  return {
    encoding,
    countText,
    countMessage,
    countTools,
    countPrompt(messages, tools) {
      let total = REPLY_PRIMING_TOKENS;
      for (const message of messages) total += countMessage(message);
      return total + (tools ? countTools(tools) : 0);
    },
    corrected(rawTokens) {
      return Math.ceil(rawTokens * ratio);
    },
    observe(rawTokens, reportedPromptTokens) {
      if (!(rawTokens > 0) || !(reportedPromptTokens > 0)) return;
      const sample = Math.min(4, Math.max(0.25, reportedPromptTokens / rawTokens));
      observations += 1;
      // Running mean for the first samples, then an exponential moving average so the ratio follows drift.
      const weight = Math.max(1 / observations, 0.1);
      ratio = ratio + (sample - ratio) * weight;
    },
    get correctionRatio() {
      return ratio;
    },
  };
}
