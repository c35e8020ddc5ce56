// MCP servers as plugins: the only part of the host that imports the MCP SDK's client.
export { checkMcpServer, describeMcpServer } from './check-mcp-server.js';
export type { CheckedMcpServer, CheckMcpServerOptions } from './check-mcp-server.js';
export { McpPluginRuntime, DEFAULT_MCP_SETTINGS } from './mcp-plugin-runtime.js';
export type { McpPluginRuntimeOptions, McpRuntimeSettings, McpServerEvent } from './mcp-plugin-runtime.js';
export { createMcpMetrics } from './mcp-metrics.js';
export type { McpMetrics } from './mcp-metrics.js';
export { prepareMcpTools, MAX_TOOL_DESCRIPTION_CHARACTERS } from './prepare-mcp-tools.js';
export type { PreparedMcpTools } from './prepare-mcp-tools.js';
export { toStrictToolSchema } from './strict-tool-schema.js';
export type { StrictToolSchema } from './strict-tool-schema.js';
export { toToolOutput } from './mcp-tool-output.js';
