import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readMcpSettings } from './mcp-settings.js';

describe('readMcpSettings', () => {
  it('serves /mcp with bounded sessions and no browser origins by default', () => {
    expect(readMcpSettings(new EnvReader({}, '/srv'))).toEqual({ httpEnabled: true, maxSessions: 1000, maxSessionsPerCaller: 100, sessionIdleMinutes: 30, allowedOrigins: [] });
  });

  it('keeps the valid origins and reports each invalid one', () => {
    const read = new EnvReader({ MCP_ALLOWED_ORIGINS: 'https://console.example.com,null,https://evil.example.com/x' }, '/srv');
    expect(readMcpSettings(read).allowedOrigins).toEqual(['https://console.example.com']);
    expect(read.problems).toHaveLength(2);
    expect(read.problems.every((problem) => problem.startsWith('MCP_ALLOWED_ORIGINS: '))).toBe(true);
  });

  it('reports session limits outside their ranges', () => {
    const read = new EnvReader({ MCP_MAX_SESSIONS: '0', MCP_MAX_SESSIONS_PER_CALLER: '100001', MCP_SESSION_IDLE_MINUTES: '0', MCP_HTTP_ENABLED: 'sometimes' }, '/srv');
    readMcpSettings(read);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual(['MCP_HTTP_ENABLED', 'MCP_MAX_SESSIONS', 'MCP_MAX_SESSIONS_PER_CALLER', 'MCP_SESSION_IDLE_MINUTES']);
  });
});
