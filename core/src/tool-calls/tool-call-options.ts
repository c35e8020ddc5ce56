/**
 * What a caller inside a request passes with every tool call (the chat loop, the MCP server). The
 * plugin host also serves callers outside a request (the CLI, tests), which may leave any of it out
 * (`Partial<ToolCallOptions>`): a missing call id is generated, a missing signal never fires.
 */
export interface ToolCallOptions {
  /** Cancels the call (the request was abandoned or its deadline passed): the tool's signal fires. */
  readonly signal: AbortSignal;
  /** Correlates the call across logs, the tool's context and the stored turn. */
  readonly callId: string;
  /** Whose tool quota the call is charged to; for logs too, never a metric label. */
  readonly tenantId: string;
  /** W3C traceparent of the caller's span, so the plugin's work joins the trace. */
  readonly traceparent?: string | undefined;
}
