// The acai CLI against a real host (buildApp, listening): operator overrides and breaker resets over the
// admin API, the overrides and drift in `plugin list --url`, one reload for `plugin add --url` even with
// the host watching its file, and `acai audit`.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAcai } from './cli-support.js';
import { ACME_ADMIN_KEY, OPS_ADMIN_KEY, startReplica, type ReplicaHost } from './operator-support.js';
import { createPluginsWorkspace, DATETIME_ENTRY, type PluginsWorkspace } from './plugins-workspace.js';

const HOLIDAYS_ENTRY = { name: 'holidays', package: '@acai/plugin-holidays', version: '^1.0.0' } as const;

let workspace: PluginsWorkspace;
let host: ReplicaHost;
let url: string;

beforeAll(async () => {
  workspace = await createPluginsWorkspace([DATETIME_ENTRY, HOLIDAYS_ENTRY]);
  host = await startReplica({ PLUGINS_CONFIG: workspace.configPath, PLUGINS_WATCH_DEBOUNCE_MS: '50' });
  await host.app.server.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(host.app.server.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await host?.close();
  await workspace?.close();
});

const acai = (argv: string[], key = OPS_ADMIN_KEY) => runAcai(argv, { cwd: workspace.dir, env: { ACAI_URL: url, ACAI_API_KEY: key } });

describe('acai against a running host', () => {
  it('disables a plugin as an operator override without touching the file, shows who did it, and clears it', async () => {
    const before = await readFile(workspace.configPath, 'utf8');
    const disabled = await acai(['plugin', 'disable', 'holidays', '--override']);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.stdout).toMatch(/^Disabled holidays on http:\/\/127\.0\.0\.1:\d+ as an operator override \(every replica, kept across restarts; now disabled\)\n/);
    expect(await readFile(workspace.configPath, 'utf8')).toBe(before);

    const listed = await acai(['plugin', 'list', '--url', url]);
    expect(listed.stdout).toMatch(/^holidays +\S+ +npm +unknown +disabled +- +-$/m);
    expect(listed.stdout).toMatch(/^Operator overrides:\n~ holidays: disabled by env_\w+ \(tenant ops\) at \d{4}-\d{2}-\d{2}T[\d:.]+Z \(plugins\.config\.json: enabled\)$/m);
    const json = JSON.parse((await acai(['plugin', 'list', '--url', url, '--json'])).stdout) as Array<Record<string, any>>;
    expect(json.find((row) => row.name === 'holidays')).toMatchObject({ state: 'disabled', fileEnabled: true, override: { enabled: false, setBy: expect.stringContaining('(tenant ops)') } });

    const cleared = await acai(['plugin', 'clear-override', 'holidays']);
    expect(cleared.stdout).toMatch(/^Cleared the override of holidays on .*: plugins\.config\.json decides \(now active\)\n$/);
    expect((await acai(['plugin', 'list', '--url', url])).stdout).not.toContain('Operator overrides');
  });

  it('resets a breaker and reloads on request; refuses bad names and flags before calling the host', async () => {
    expect((await acai(['plugin', 'reset-breaker', 'datetime'])).stdout).toMatch(/^Reset the breaker of datetime on .* \(every replica\)\n$/);
    const generation = host.app.pluginHost.generation;
    expect((await acai(['plugin', 'reload'])).stdout).toMatch(new RegExp(`^Reloaded .* \\(generation ${generation + 1}\\)\\n$`));
    for (const argv of [
      ['plugin', 'reset-breaker', '../etc/passwd'],
      ['plugin', 'clear-override'],
      ['plugin', 'reload', 'extra'],
      ['plugin', 'disable', 'holidays', '--override', '--config', './x.json'],
    ]) {
      const refused = await acai(argv);
      expect(refused.code, argv.join(' ')).toBe(2);
    }
    const unknown = await acai(['plugin', 'reset-breaker', 'ghost']);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/^acai: not_found: no plugin named "ghost" is configured/) });
    const badKey = await acai(['plugin', 'disable', 'holidays', '--override'], 'acai_not_a_real_key_00000000000000000');
    expect(badKey.stderr).toMatch(/^acai: unauthenticated/);
  });

  it('adds a plugin with --url: the host reloads once, although it also watches the file', async () => {
    const watch = host.app.watchPluginsConfig();
    try {
      const generation = host.app.pluginHost.generation;
      const watcherSawIt = host.nextReload((event) => event.trigger === 'file', 'the watcher sees the added entry');
      const added = await acai(['plugin', 'add', workspace.tarball('1.0.0'), '--url', url]);
      expect(added.code, added.stderr).toBe(0);
      await watcherSawIt;
      expect(host.app.pluginHost.generation).toBe(generation + 1);
      expect(added.stdout).toMatch(/Reloaded http:\/\/127\.0\.0\.1:\d+ \(generation \d+; added: forecast\)|Up to date: http:\/\/127\.0\.0\.1:\d+ already serves this file/);
    } finally {
      watch.close();
    }
  });

  it('reads the audit trail: a table, filters, JSON paging, and only its own tenant for a tenant admin', async () => {
    const table = await acai(['audit', '--since', '1h']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^TIME +ACTION +TARGET +OUTCOME +ACTOR +TENANT +FROM$/m);
    expect(table.stdout).toMatch(/^\S+Z +plugin\.disable +holidays +ok +env_\w+ +ops +127\.0\.0\.1$/m);
    expect(table.stdout).toMatch(/^\S+Z +plugin\.add +forecast +ok +env_\w+ +ops +127\.0\.0\.1$/m);

    const page = JSON.parse((await acai(['audit', '--limit', '2', '--json'])).stdout) as { entries: Array<Record<string, any>>; next_page_token: string };
    expect(page.entries).toHaveLength(2);
    expect(page.next_page_token).not.toBe('');
    const next = JSON.parse((await acai(['audit', '--limit', '2', '--page-token', page.next_page_token, '--json'])).stdout) as { entries: Array<Record<string, any>> };
    expect(next.entries[0]?.id).not.toBe(page.entries[1]?.id);
    expect(Date.parse(next.entries[0]?.time)).toBeLessThanOrEqual(Date.parse(page.entries[1]?.time));

    const filtered = JSON.parse((await acai(['audit', '--action', 'plugin.reset_breaker', '--json'])).stdout) as { entries: Array<Record<string, any>> };
    expect(filtered.entries.map((entry) => entry.target)).toEqual(['datetime']);
    expect((await acai(['audit'], ACME_ADMIN_KEY)).stdout).toBe('No audit entries match.\n');
    expect((await acai(['audit', '--tenant', 'ops'], ACME_ADMIN_KEY)).stderr).toMatch(/^acai: permission_denied/);

    for (const argv of [['audit', '--since', 'last tuesday'], ['audit', '--limit', '0'], ['audit', '--action', 'drop.tables'], ['audit', 'extra']]) {
      expect((await acai(argv)).code, argv.join(' ')).toBe(2);
    }
  });
});
