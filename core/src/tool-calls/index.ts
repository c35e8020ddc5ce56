// The tool-call contract, owned here and nowhere else: chat, the MCP server, telemetry, the CLI and the
// plugin host (which implements it) all import it from this module.
export type { ToolCallOutcome } from './tool-call-outcome.js';
export type { ToolCallOptions } from './tool-call-options.js';
export type { ToolCallError, ToolCallResult } from './tool-call-result.js';
export type { ToolExecutor, ToolProvenance } from './tool-executor.js';
