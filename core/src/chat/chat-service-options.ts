import type { SystemPromptConfig } from './system-prompts.js';

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
