import type { EnvReader } from './env-reader.js';

/** Acai as an MCP server over Streamable HTTP at /mcp (the `acai mcp` stdio command needs none of this). */
export interface McpSettings {
  /** Serve /mcp (behind the `tools` scope). */
  readonly httpEnabled: boolean;
  /** Open sessions on this replica, all callers together. */
  readonly maxSessions: number;
  /** Open sessions per caller (an API key; a keyless caller is its tenant and address). */
  readonly maxSessionsPerCaller: number;
  /** A session with no request and no open stream for this long is closed. */
  readonly sessionIdleMinutes: number;
  /** Browser origins allowed to call /mcp; a request with any other Origin header is refused (DNS rebinding). */
  readonly allowedOrigins: readonly string[];
}

/** MCP_HTTP_ENABLED, MCP_MAX_SESSIONS, MCP_MAX_SESSIONS_PER_CALLER, MCP_SESSION_IDLE_MINUTES, MCP_ALLOWED_ORIGINS. */
export function readMcpSettings(read: EnvReader): McpSettings {
  return {
    httpEnabled: read.flag('MCP_HTTP_ENABLED', true),
    maxSessions: read.integer('MCP_MAX_SESSIONS', 1000, 1, 100_000),
    maxSessionsPerCaller: read.integer('MCP_MAX_SESSIONS_PER_CALLER', 100, 1, 100_000),
    sessionIdleMinutes: read.integer('MCP_SESSION_IDLE_MINUTES', 30, 1, 7 * 24 * 60),
    allowedOrigins: read.origins('MCP_ALLOWED_ORIGINS'),
  };
}
