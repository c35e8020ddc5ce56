import { ByteBoundedLru } from '../cache/index.js';
import { MESSAGE_OVERHEAD_TOKENS, toolCallingMessageTokens, type ModelMessage, type TokenCounter } from '../llm/index.js';
import type { StoredMessage, ToolCallTokens } from '../storage/conversation-store.js';

/** Bounds of a {@link ContextTokenCache}. */
export interface ContextTokenCacheOptions {
  /** Stored messages whose replay counts are kept (default 20,000). */
  readonly maxMessages?: number;
  /** System-prompt paragraphs whose counts are kept (default 256). */
  readonly maxSegments?: number;
  /** Estimated bytes of each of the two maps (default 4 MiB for replays, 1 MiB for paragraphs). */
  readonly maxReplayBytes?: number;
  readonly maxSegmentBytes?: number;
}

// Tokenizing dominated the host's own CPU in bench:chat: every turn re-counted the system prompt and
// every earlier tool-calling turn. Both repeat across turns, so their counts are remembered here.
const PARAGRAPH = '\n\n';

/**
 * Remembers token counts that do not change between turns: the replay of a stored message (an
 * assistant message with tool calls expands to several model messages; stored messages never change)
 * and the paragraphs of a system prompt (template and tool list repeat; only the date line differs).
 * Both maps are bounded by entries and estimated bytes, forget the least recently used first, and
 * report their size as metrics (acai_cache_bytes{cache="context_token_replays"|"context_token_paragraphs"}).
 */
export class ContextTokenCache {
  readonly #counter: TokenCounter;
  readonly #replays: ByteBoundedLru<readonly number[]>;
  readonly #segments: ByteBoundedLru<number>;

  constructor(counter: TokenCounter, options: ContextTokenCacheOptions = {}) {
    this.#counter = counter;
    this.#replays = new ByteBoundedLru({
      name: 'context_token_replays',
      maxEntries: options.maxMessages ?? 20_000,
      maxBytes: options.maxReplayBytes ?? 4 * 1024 * 1024,
      valueBytes: (counts) => 16 + counts.length * 8,
    });
    this.#segments = new ByteBoundedLru({
      name: 'context_token_paragraphs',
      maxEntries: options.maxSegments ?? 256,
      maxBytes: options.maxSegmentBytes ?? 1024 * 1024,
      valueBytes: () => 8,
    });
  }

  /**
   * Token counts of `replayed` (the model messages of one stored message), in order. Taken from the
   * counts stored with the message and its tool calls when they are all there (nothing is tokenized
   * or remembered); otherwise (messages stored before the counts were kept) counted once per process.
   * The last one is the stored message's own text, whose count was stored with it (`message.tokens`) when known.
   */
  replayTokens(message: StoredMessage, replayed: readonly ModelMessage[]): readonly number[] {
    const stored = storedReplayTokens(message, replayed);
    if (stored !== undefined) return stored;
    // The id is unique per message; length and call count guard against a store reusing one.
    const key = `${message.id}:${message.content.length}:${message.toolCalls?.length ?? 0}`;
    const cached = this.#replays.get(key);
    if (cached !== undefined && cached.length === replayed.length) return cached;
    const last = replayed.length - 1;
    const knownLast = replayed[last]?.content === message.content && message.tokens !== undefined ? message.tokens + MESSAGE_OVERHEAD_TOKENS : undefined;
    const counts = replayed.map((modelMessage, position) =>
      position === last && knownLast !== undefined ? knownLast : this.#counter.countMessage(modelMessage),
    );
    this.#replays.set(key, counts);
    return counts;
  }

  /** Token count of a system message with this content, paragraph by paragraph. */
  systemMessageTokens(content: string): number {
    // A paragraph break merges into the token before it (".\n\n" is one token), so the whole counts
    // as the sum of its paragraphs: exact for the prompts the host renders, and the estimate is
    // corrected by the usage the model reports anyway.
    const paragraphs = content.split(PARAGRAPH);
    let total = MESSAGE_OVERHEAD_TOKENS;
    for (const paragraph of paragraphs) {
      let count = this.#segments.get(paragraph);
      if (count === undefined) {
        count = this.#counter.countText(paragraph);
        this.#segments.set(paragraph, count);
      }
      total += count;
    }
    return total;
  }
}

/**
 * The replay counts of a tool-calling message from what was stored with it, or undefined when a count
 * is missing (or not a count) or `replayed` is not that message's replay (assistant, one tool message
 * per call, final text).
 */
function storedReplayTokens(message: StoredMessage, replayed: readonly ModelMessage[]): readonly number[] | undefined {
  const calls = message.toolCalls;
  if (calls === undefined || calls.length === 0 || !isCount(message.tokens) || replayed.length !== calls.length + 2) return undefined;
  if (replayed[replayed.length - 1]?.content !== message.content) return undefined;
  const tokens: ToolCallTokens[] = [];
  for (const call of calls) {
    if (call.tokens === undefined || !isCount(call.tokens.call) || !isCount(call.tokens.result)) return undefined;
    tokens.push(call.tokens);
  }
  return [
    toolCallingMessageTokens(0, tokens.map((counts) => counts.call)),
    ...tokens.map((counts) => MESSAGE_OVERHEAD_TOKENS + counts.result),
    message.tokens + MESSAGE_OVERHEAD_TOKENS,
  ];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

const caches = new WeakMap<TokenCounter, ContextTokenCache>();

/** The cache shared by every turn counted with `counter` (one per model adapter). */
export function contextTokenCacheFor(counter: TokenCounter): ContextTokenCache {
  let cache = caches.get(counter);
  if (cache === undefined) {
    cache = new ContextTokenCache(counter);
    caches.set(counter, cache);
  }
  return cache;
}
