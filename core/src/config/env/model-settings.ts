import type { EnvReader } from './env-reader.js';

/** The OpenAI-compatible model endpoint. */
export interface ModelSettings {
  readonly apiKey: string | undefined;
  readonly baseURL: string | undefined;
  readonly model: string | undefined;
  readonly titleModel: string | undefined;
  /** True when enough is set to call a model. */
  readonly isConfigured: boolean;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly stream: boolean;
  /** OPENAI_STRICT_TOOLS: offer tools in OpenAI's strict form; `auto` = only to api.openai.com (resolved by llm/). */
  readonly strictTools: 'auto' | 'on' | 'off';
}

/** OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_TITLE_MODEL, OPENAI_TIMEOUT_MS, OPENAI_MAX_ATTEMPTS, OPENAI_STREAM, OPENAI_STRICT_TOOLS. */
export function readModelSettings(read: EnvReader): ModelSettings {
  const apiKey = read.text('OPENAI_API_KEY');
  const baseURL = read.url('OPENAI_BASE_URL', ['http:', 'https:']);
  const model = read.text('OPENAI_MODEL');
  return {
    apiKey,
    baseURL,
    model,
    titleModel: read.text('OPENAI_TITLE_MODEL') ?? model,
    // A local OpenAI-compatible server (Ollama, llama.cpp...) needs no key; the public API does.
    isConfigured: model !== undefined && (apiKey !== undefined || baseURL !== undefined),
    timeoutMs: read.integer('OPENAI_TIMEOUT_MS', 30_000, 100, 600_000),
    maxAttempts: read.integer('OPENAI_MAX_ATTEMPTS', 3, 1, 10),
    stream: read.flag('OPENAI_STREAM', false),
    strictTools: read.choice('OPENAI_STRICT_TOOLS', ['auto', 'on', 'off'], 'auto'),
  };
}
