// MCP servers as plugins: the only part of the host that imports the MCP SDK's client.
export { checkMcpServer, describeMcpServer } from './check-mcp-server.js';
export type { CheckedMcpServer, CheckMcpServerOptions } from './check-mcp-server.js';
export { DEFAULT_MCP_SETTINGS } from './mcp-plugin-runtime.js';
export type { McpRuntimeSettings, McpServerEvent } from './mcp-plugin-runtime.js';
export { createMcpMetrics } from './mcp-metrics.js';
export type { McpMetrics } from './mcp-metrics.js';
