// Shared set-up for the MCP-plugin suites: plugins.config.json entries that start the fixture servers
// in tests/fixtures/mcp-servers. Waits for what happens in the background use tests/support/timing.ts.
import { fileURLToPath } from 'node:url';

export const MCP_SERVERS_DIR = fileURLToPath(new URL('../fixtures/mcp-servers/', import.meta.url));

/** An entry that starts the SDK fixture server over stdio with `flags` (see stdio-server.js). */
export function stdioServerEntry(name: string, flags: readonly string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { mcp, ...rest } = extra as { mcp?: Record<string, unknown> };
  return { name, mcp: { command: process.execPath, args: [`${MCP_SERVERS_DIR}stdio-server.js`, ...flags], ...mcp }, ...rest };
}

/** An entry that starts one of the raw hostile peers (silent-server.js, malformed-server.js). */
export function scriptServerEntry(name: string, script: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, mcp: { command: process.execPath, args: [`${MCP_SERVERS_DIR}${script}`] }, ...extra };
}

/** Whether a process is still running. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
