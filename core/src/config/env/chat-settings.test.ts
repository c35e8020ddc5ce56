import { describe, expect, it } from 'vitest';
import { readChatSettings } from './chat-settings.js';
import { EnvReader } from './env-reader.js';

describe('readChatSettings', () => {
  it('defaults to 32 KiB messages, 8 tool steps, a 16k token budget and no summaries or prompts file', () => {
    expect(readChatSettings(new EnvReader({}, '/srv'))).toEqual({
      maxMessageBytes: 32 * 1024,
      maxToolSteps: 8,
      contextTokenBudget: 16_000,
      summarize: false,
      sessionTtlMinutes: 30,
      titleCacheTtlHours: 24 * 30,
      promptsFile: undefined,
    });
  });

  it('resolves the prompts file against the working directory', () => {
    expect(readChatSettings(new EnvReader({ PROMPTS_FILE: 'prompts.json' }, '/srv/acai')).promptsFile).toBe('/srv/acai/prompts.json');
  });

  it('reports out-of-range limits, naming each variable', () => {
    const read = new EnvReader({ MAX_MESSAGE_BYTES: '0', CHAT_MAX_TOOL_STEPS: '51', CONTEXT_TOKEN_BUDGET: '499', CHAT_SUMMARIZE: '2', SESSION_TTL_MINUTES: '0', TITLE_CACHE_TTL_HOURS: '9999' }, '/srv');
    readChatSettings(read);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual(['MAX_MESSAGE_BYTES', 'CHAT_MAX_TOOL_STEPS', 'CONTEXT_TOKEN_BUDGET', 'CHAT_SUMMARIZE', 'SESSION_TTL_MINUTES', 'TITLE_CACHE_TTL_HOURS']);
  });
});
