import type { Clock } from '@acai/plugin-sdk';
import type { KeyValueStore } from '../cache/index.js';
import type { ModelClient } from '../llm/index.js';
import type { ConversationStore } from '../storage/conversation-store.js';
import { DEFAULT_CHAT_SERVICE_OPTIONS, type ChatServiceOptions } from './chat-service-options.js';
import type { SessionDirectory } from './session-directory.js';
import { createSystemPrompts, type SystemPrompts } from './system-prompts.js';
import { createTitleGenerator, type TitleGenerator } from './title-generator.js';
import type { ToolExecutor } from '../tool-calls/index.js';

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

/**
 * What the steps of a turn share, built once per service: the ports, the options with their defaults
 * filled in, and the parts derived from them (prompt templates are hashed once, not per turn). Each
 * step takes the `Pick` of it that it uses, so its dependencies read off its signature.
 */
export interface ChatStepDeps {
  readonly store: ConversationStore;
  readonly sessions: SessionDirectory;
  readonly model: ModelClient;
  readonly tools: ToolExecutor;
  readonly clock: Clock;
  readonly options: ChatServiceOptions;
  readonly prompts: SystemPrompts;
  readonly titles: TitleGenerator;
}

/** Fills in the option defaults and builds the prompt and title parts. */
export function createChatStepDeps(deps: ChatServiceDeps): ChatStepDeps {
  const options: ChatServiceOptions = { ...DEFAULT_CHAT_SERVICE_OPTIONS, ...deps.options };
  const { store, sessions, model, tools, clock } = deps;
  return {
    store,
    sessions,
    model,
    tools,
    clock,
    options,
    prompts: createSystemPrompts({ config: options.prompts, clock }),
    titles: createTitleGenerator({ model, cache: deps.cache, ttlSeconds: options.titleCacheTtlSeconds }),
  };
}
