// Acai as an MCP server: the plugin host's tools over stdio (`acai mcp`) and Streamable HTTP (`/mcp`).
// The only part of the host that imports the MCP SDK's server side.
export { createMcpServer, countMcpRequests, connectionAuthInfo, toCallToolResult } from './create-mcp-server.js';
export type { CreateMcpServerOptions, McpCaller } from './create-mcp-server.js';
export { McpToolCatalog, toMcpTool } from './mcp-tool-catalog.js';
export type { McpToolCatalogOptions, McpToolSource } from './mcp-tool-catalog.js';
export { createMcpMetrics, methodLabel } from './mcp-metrics.js';
export type { McpMetrics, McpRefusalReason, McpSessionEndReason, McpTransportKind } from './mcp-metrics.js';
export { MCP_PATH, registerMcpRoute } from './register-mcp-route.js';
export type { McpRouteOptions } from './register-mcp-route.js';
export { serveMcpOverStdio } from './serve-mcp-stdio.js';
export type { McpStdioStop, ServeMcpStdioOptions } from './serve-mcp-stdio.js';
