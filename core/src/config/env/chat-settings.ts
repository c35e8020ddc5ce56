import type { EnvReader } from './env-reader.js';

/** Limits and behaviour of the chat use cases. */
export interface ChatSettings {
  readonly maxMessageBytes: number;
  readonly maxToolSteps: number;
  readonly contextTokenBudget: number;
  readonly summarize: boolean;
  readonly sessionTtlMinutes: number;
  readonly titleCacheTtlHours: number;
  readonly promptsFile: string | undefined;
}

/** MAX_MESSAGE_BYTES, CHAT_MAX_TOOL_STEPS, CONTEXT_TOKEN_BUDGET, CHAT_SUMMARIZE, SESSION_TTL_MINUTES, TITLE_CACHE_TTL_HOURS, PROMPTS_FILE. */
export function readChatSettings(read: EnvReader): ChatSettings {
  return {
    maxMessageBytes: read.integer('MAX_MESSAGE_BYTES', 32 * 1024, 1, 1024 * 1024),
    maxToolSteps: read.integer('CHAT_MAX_TOOL_STEPS', 8, 1, 50),
    contextTokenBudget: read.integer('CONTEXT_TOKEN_BUDGET', 16_000, 500, 2_000_000),
    summarize: read.flag('CHAT_SUMMARIZE', false),
    sessionTtlMinutes: read.integer('SESSION_TTL_MINUTES', 30, 1, 7 * 24 * 60),
    titleCacheTtlHours: read.integer('TITLE_CACHE_TTL_HOURS', 24 * 30, 1, 24 * 365),
    promptsFile: read.path('PROMPTS_FILE'),
  };
}
