import type { ModelTool } from '../llm/index.js';
import type { ToolCallOptions } from './tool-call-options.js';
import type { ToolCallResult } from './tool-call-result.js';

/** Which plugin serves a tool: what a tool span and a call's announcement name before the call runs. */
export interface ToolProvenance {
  readonly plugin: string;
  readonly pluginVersion: string;
  /** The tool's own name inside its plugin. */
  readonly tool: string;
}

/**
 * What every tool caller (the chat loop, the MCP server) uses: the plugin host satisfies it as it is,
 * and the telemetry decorator wraps it without changing it.
 */
export interface ToolExecutor {
  /** The tools to offer the model now (tools of plugins whose breaker is open are left out); precomputed. */
  listModelTools(): readonly ModelTool[];
  /** Which plugin serves a tool now (a lookup); undefined for a name no plugin registered. */
  describeTool(exposedName: string): ToolProvenance | undefined;
  /** Runs one call through validation, policy, cap and scrubbing. Never throws: every failure is a result. */
  callTool(exposedName: string, rawArguments: string, options: ToolCallOptions): Promise<ToolCallResult>;
}
