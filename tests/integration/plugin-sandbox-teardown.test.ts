// Nothing of a sandbox outlives the plugin it ran. Sandboxes run in the host's session and process group
// (docs/sandbox.md: a session of their own cost every call a scheduler wait), so they are stopped through
// bwrap itself: signalling bwrap ends its PID 1 (--die-with-parent), and the kernel ends every other process
// of the sandbox's PID namespace with it. Each case records the host pids of the sandbox's processes (bwrap,
// the plugin, what the plugin started) and waits until none of them runs. Real bubblewrap, real processes.
import { afterEach, describe, expect, it } from 'vitest';
import { createPluginRuntimeFactory } from '../../core/src/plugin-host/worker/index.js';
import { anyAlive, sandboxProcessIds, type ProcessIdentity } from '../support/sandbox-processes.js';
import { scaledMs, waitUntil } from '../support/timing.js';
import { MCP_SERVERS_DIR } from './mcp-support.js';
import { fixtureConfig, loadFixtureHost, type FixtureHost } from './plugin-host-support.js';

const HOSTILE_PLUGINS = new URL('../fixtures/hostile-plugins/', import.meta.url).pathname;
/** What the stdio servers read: their scripts and the installed packages (not tests/fixtures, which holds the config). */
const SERVER_PERMISSIONS = { read: [MCP_SERVERS_DIR, new URL('../../node_modules', import.meta.url).pathname], processes: true };
const hosts: FixtureHost[] = [];

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
  // Whatever a case did, the host's disposal leaves no sandbox process behind.
  await waitUntil(async () => (await sandboxProcessIds()).length === 0, 'every sandbox process to end');
});

async function load(entries: Array<Record<string, unknown>>, hardDeadlineMs?: number): Promise<FixtureHost> {
  const host = await loadFixtureHost(fixtureConfig(entries), {
    mcp: { restartBackoff: { initialMs: 50, maxMs: 200 } },
    ...(hardDeadlineMs === undefined ? {} : { runtimeFactory: createPluginRuntimeFactory({ hardDeadlineMs }) }),
  });
  hosts.push(host);
  // Every case starts from a plugin that loaded in its sandbox (a crash at import would pass the cases vacuously).
  expect(host.host.listPlugins().map((plugin) => [plugin.name, plugin.state])).toEqual(entries.map((entry) => [entry['name'], 'loaded']));
  return host;
}

/** The sandbox's processes now: at least bwrap and the program in it. */
async function runningSandbox(atLeast = 2): Promise<ProcessIdentity[]> {
  return waitUntil(async () => {
    const pids = await sandboxProcessIds();
    return pids.length >= atLeast ? pids : undefined;
  }, `a sandbox of ${atLeast} processes`);
}

async function expectAllEnd(pids: readonly ProcessIdentity[], what: string): Promise<void> {
  await waitUntil(async () => !(await anyAlive(pids)), what);
}

/** A stdio server that starts a grandchild which ignores SIGTERM and never exits by itself. */
function serverWithGrandchild(name: string, serverFlags: readonly string[] = []): Record<string, unknown> {
  const grandchild = `${process.execPath} -e "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"`;
  const permissions = SERVER_PERMISSIONS;
  return {
    name,
    mcp: { command: '/bin/sh', args: ['-c', `${grandchild} & exec ${process.execPath} ${MCP_SERVERS_DIR}stdio-server.js ${serverFlags.join(' ')}`], permissions },
    permissions,
  };
}

describe.runIf(process.platform === 'linux')('a sandboxed worker plugin leaves no process behind', () => {
  it('when its call runs past the hard deadline and the worker is killed', async () => {
    const host = await load([{ name: 'busy-loop', path: `${HOSTILE_PLUGINS}busy-loop`, policy: { timeoutMs: 200 } }], scaledMs(2_000));
    const before = await runningSandbox();
    expect(await host.host.callTool('busy-loop__spin_forever', {})).toMatchObject({ outcome: 'timeout' });
    await expectAllEnd(before, 'the killed sandbox to end');
    // The restarted worker answers from a new sandbox.
    await waitUntil(async () => (await host.host.callTool('busy-loop__do_nothing', {})).outcome === 'ok', 'the restarted worker');
  });

  it('when the plugin process exits in the middle of a call', async () => {
    const host = await load([{ name: 'reports-priority', path: `${HOSTILE_PLUGINS}reports-priority` }]);
    const before = await runningSandbox();
    expect((await host.host.callTool('reports-priority__exit_worker', {})).outcome).not.toBe('ok');
    await expectAllEnd(before, 'the crashed sandbox to end');
  });

  it('when the host unloads it', async () => {
    const host = await load([{ name: 'never-resolves', path: `${HOSTILE_PLUGINS}never-resolves` }]);
    const before = await runningSandbox();
    void host.host.callTool('never-resolves__hang_forever', {});
    hosts.splice(hosts.indexOf(host), 1);
    await host.close();
    await expectAllEnd(before, 'the unloaded sandbox to end');
  });
});

describe.runIf(process.platform === 'linux')('a sandboxed stdio MCP server leaves no process behind, the processes it started included', () => {
  it('when the host stops it (a grandchild that ignores SIGTERM too)', async () => {
    const host = await load([serverWithGrandchild('tree')]);
    expect(host.host.listPlugins()[0]?.state).toBe('loaded');
    // bwrap, the server, its grandchild.
    const before = await runningSandbox(3);
    hosts.splice(hosts.indexOf(host), 1);
    await host.close();
    await expectAllEnd(before, 'the stopped sandbox to end');
  });

  it('when the server crashes: its grandchild goes with it', async () => {
    const host = await load([serverWithGrandchild('crashing', ['--crash-after=1'])]);
    const before = await runningSandbox(3);
    await host.host.callTool('crashing__echo', { text: 'x', repeat: null, tags: null });
    await host.host.callTool('crashing__echo', { text: 'x', repeat: null, tags: null });
    await expectAllEnd(before, 'the crashed sandbox to end');
  });

  it('when it hangs in a call and ignores stdin closing and SIGTERM', async () => {
    // PID 1 is a shell that ignores SIGTERM and does not read stdin; the server in it hangs every call.
    const permissions = SERVER_PERMISSIONS;
    const script = `trap '' TERM; ${process.execPath} ${MCP_SERVERS_DIR}stdio-server.js --hang-calls; sleep 3600`;
    const host = await load([{ name: 'stuck', mcp: { command: '/bin/sh', args: ['-c', script], permissions }, permissions, policy: { timeoutMs: 300 } }]);
    const before = await runningSandbox(3);
    expect(await host.host.callTool('stuck__echo', { text: 'x', repeat: null, tags: null })).toMatchObject({ outcome: 'timeout' });
    hosts.splice(hosts.indexOf(host), 1);
    await host.close();
    await expectAllEnd(before, 'the hung sandbox to end');
  });
});
