// Provider-neutral shapes the rest of the host uses; only llm/'s adapter files (model-client.ts and its steps) know the OpenAI wire names.

/** A tool call the model asked for. `arguments` is the raw JSON text the model produced. */
export interface ModelToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** One message of a model conversation. */
export type ModelMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string | null; readonly toolCalls?: readonly ModelToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** A function tool offered to the model (OpenAI function-calling shape, already linted by the plugin host). */
export interface ModelTool {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description: string;
    /** A JSON Schema with an object root (the plugin host lints it); typed loosely so the host's schema type fits. */
    readonly parameters: unknown;
    /** True when `parameters` is in OpenAI's strict form (every property required, optional ones nullable). */
    readonly strict?: boolean;
  };
  /**
   * For a strict tool: the same parameters with optional properties optional, offered instead of the
   * strict form to an endpoint that does not use strict mode (see {@link StrictToolsSetting}). A tool
   * without it is offered as it is.
   */
  readonly looseParameters?: unknown;
}

/**
 * OPENAI_STRICT_TOOLS: whether tools are offered in OpenAI's strict form. `auto` uses it for OpenAI's own
 * API (no base URL, or api.openai.com) and not for other OpenAI-compatible servers, most of which ignore it.
 */
export type StrictToolsSetting = 'auto' | 'on' | 'off';

/** Why a model call was made; used for metrics and to pick the model. */
export type ModelCallPurpose = 'reply' | 'title' | 'summary';

/** What to send. */
export interface CompletionRequest {
  readonly purpose: ModelCallPurpose;
  readonly messages: readonly ModelMessage[];
  readonly tools?: readonly ModelTool[];
  /** `none` asks for a final answer even though tools are listed (used when the step limit is hit). */
  readonly toolChoice?: 'auto' | 'none';
  /** Our offline estimate of the prompt size; compared with the reported usage to correct future estimates. */
  readonly estimatedPromptTokens?: number;
}

/** Token usage the API reported. */
export interface ModelUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** The model's answer. */
export interface Completion {
  readonly content: string | null;
  readonly toolCalls: readonly ModelToolCall[];
  readonly finishReason: string | null;
  readonly usage: ModelUsage | undefined;
  readonly model: string;
  /** Attempts it took (1 = no retry). */
  readonly attempts: number;
}

/** Per-call bounds: the caller's cancellation signal and the whole request's deadline (epoch ms). */
export interface ModelCallOptions {
  readonly signal: AbortSignal;
  readonly deadline: number;
  /**
   * Receives the reply text as the model generates it; with it the call always streams. The reading of
   * the model's stream waits for a returned promise, so a slow consumer slows the model connection
   * down instead of piling text up in memory. Once text was handed out the call is never retried.
   */
  readonly onTextDelta?: ((text: string) => void | Promise<void>) | undefined;
}

/** Reported once per model call (after retries), for metrics and tracing. */
export interface ModelCallRecord {
  readonly purpose: ModelCallPurpose;
  readonly model: string;
  readonly outcome: 'ok' | 'error';
  /** HostError code when outcome is error. */
  readonly errorCode?: string;
  readonly attempts: number;
  readonly durationMs: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  readonly finishReason?: string | null;
  readonly streamed: boolean;
}
