import type { ModelTool } from '../llm/index.js';

/** How a tool call ended (mirrors the plugin host's call path outcomes). */
export type ToolCallOutcome =
  | 'ok'
  | 'invalid_input'
  | 'timeout'
  | 'unavailable'
  | 'breaker_open'
  | 'rejected'
  | 'rate_limited'
  | 'error'
  | 'unknown_tool';

/** The result of one call through the plugin host's call path. */
export interface ToolCallResult {
  readonly exposedName: string;
  readonly plugin?: { readonly name: string; readonly version: string } | undefined;
  readonly tool?: string | undefined;
  readonly schemaFingerprint?: string | undefined;
  readonly outcome: ToolCallOutcome;
  /** What the model sees (capped, secrets scrubbed; for failures a readable error). */
  readonly content: string;
  /** The uncapped result, for storage. */
  readonly fullContent?: string | undefined;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
  readonly durationMs: number;
}

/** Per-call context the call path needs. */
export interface ToolCallOptions {
  readonly signal: AbortSignal;
  readonly callId: string;
  readonly tenantId: string;
  readonly traceparent?: string | undefined;
}

/**
 * The part of the plugin host the chat loop uses: the precomputed tool list (tools of plugins whose
 * breaker is open are left out) and the single call path, which never throws.
 */
export interface ToolExecutor {
  listModelTools(): readonly ModelTool[];
  /** Which plugin serves a tool now (a lookup), to announce a call's provenance before it runs. */
  describeTool?(exposedName: string): { readonly plugin: string; readonly pluginVersion: string } | undefined;
  callTool(exposedName: string, rawArguments: string, options: ToolCallOptions): Promise<ToolCallResult>;
}
