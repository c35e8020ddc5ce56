// The plugin checks of the CLI (`acai plugin validate | add | list`) start worker plugins and stdio MCP
// servers at the CPU niceness the host gives them, read from the command's environment as the host reads it.
import { getPriority } from 'node:os';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InspectionWorkspace } from '../../core/src/cli/plugin-checks/inspection-workspace.js';
import { stdioServerEntry } from './mcp-support.js';
import { FIXTURES_DIR, fixtureConfig } from './plugin-host-support.js';

const workspaces: InspectionWorkspace[] = [];
afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((workspace) => workspace.dispose()));
});

async function serverNiceness(env: Record<string, string>): Promise<number> {
  const workspace = await InspectionWorkspace.create(pino({ enabled: false }), env, FIXTURES_DIR);
  workspaces.push(workspace);
  const host = await workspace.load(fixtureConfig([stdioServerEntry('niced')]));
  const result = await host.callTool('niced__process_info', {});
  expect(result.outcome).toBe('ok');
  return (JSON.parse(result.content) as { niceness: number }).niceness;
}

describe('the CLI inspection workspace', () => {
  it('runs a stdio MCP server at niceness 10 by default and at PLUGIN_WORKER_NICE when set', async () => {
    // The nicer of the setting and the CLI's own niceness: a server never runs above the process that started it.
    const own = getPriority(0);
    expect(await serverNiceness({})).toBe(Math.max(10, own));
    expect(await serverNiceness({ PLUGIN_WORKER_NICE: '3' })).toBe(Math.max(3, own));
  });

  it.each(['-5', '20', 'low', '1e3'])('refuses PLUGIN_WORKER_NICE=%j naming the variable, as the host does', async (value) => {
    await expect(InspectionWorkspace.create(pino({ enabled: false }), { PLUGIN_WORKER_NICE: value }, FIXTURES_DIR)).rejects.toMatchObject({
      code: 'HOST_CONFIG_INVALID',
      message: expect.stringContaining('PLUGIN_WORKER_NICE: expected a whole number from 0 to 19'),
    });
  });
});
