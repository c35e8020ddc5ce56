import type { ToolCallOutcome } from './tool-call-outcome.js';

/** A failed call's code (a ToolError code such as TIMEOUT or NOT_FOUND) and readable, secret-scrubbed message. */
export interface ToolCallError {
  readonly code: string;
  readonly message: string;
}

/**
 * The structured result of one tool call; failures are results too, never exceptions. The plugin host
 * fills every field it knows; the optional ones are absent where no producer could know them.
 */
export interface ToolCallResult {
  readonly exposedName: string;
  readonly outcome: ToolCallOutcome;
  /** What the model sees: capped (head + marker + tail) and secret-scrubbed; a failure is `{"error":{...}}` JSON. */
  readonly content: string;
  readonly durationMs: number;
  /** The plugin that served the call; absent when none did (an unknown tool, a call the turn withdrew or gave up on). */
  readonly plugin?: { readonly name: string; readonly version: string } | undefined;
  /** The tool's own name inside its plugin; absent with `plugin`. */
  readonly tool?: string | undefined;
  /** Fingerprint of the parameter schema the arguments were checked against; absent with `plugin`. */
  readonly schemaFingerprint?: string | undefined;
  /** The uncapped, scrubbed text (for the CLI and storage); absent on results the call path did not produce. */
  readonly fullContent?: string | undefined;
  /** A successful tool's structured data, scrubbed. */
  readonly data?: unknown;
  /** Set when the outcome is not `ok` (results the chat loop makes up itself may carry only `content`). */
  readonly error?: ToolCallError | undefined;
}
