import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { loadPluginsConfig, parsePluginsConfig } from './plugins-config.js';

const path = '/etc/acai/plugins.config.json';

function refusal(run: () => unknown): HostError {
  try {
    run();
  } catch (error) {
    if (HostError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a HostError');
}

describe('parsePluginsConfig', () => {
  it('fills defaults from the schema and merges defaults.policy under each plugin', () => {
    const config = parsePluginsConfig(
      {
        defaults: { policy: { timeoutMs: 5000, breaker: { failureThreshold: 3 } } },
        plugins: [
          { name: 'datetime', package: '@acai/plugin-datetime' },
          { name: 'echo', path: './plugins/echo', policy: { maxConcurrent: 2, breaker: { halfOpenAfterMs: 100 } } },
        ],
      },
      { path, env: {} },
    );
    const [datetime, echo] = config.plugins;
    expect(datetime).toMatchObject({ enabled: true, required: false, mode: 'inline', config: {}, source: { kind: 'package', package: '@acai/plugin-datetime' } });
    expect(datetime?.policy).toEqual({
      timeoutMs: 5000,
      setupTimeoutMs: 10000,
      maxConcurrent: 8,
      maxQueue: 32,
      maxOutputBytes: 16384,
      breaker: { failureThreshold: 3, halfOpenAfterMs: 30000 },
      retry: { maxAttempts: 1 },
    });
    expect(echo?.mode).toBe('worker');
    expect(echo?.source).toEqual({ kind: 'path', path: '/etc/acai/plugins/echo' });
    expect(echo?.policy.maxConcurrent).toBe(2);
    expect(echo?.policy.breaker).toEqual({ failureThreshold: 3, halfOpenAfterMs: 100 });
    expect(Object.isFrozen(config.plugins[0]?.policy)).toBe(true);
  });

  it('resolves policies with one key order whatever order the file writes them in, so reloads see no change', () => {
    const resolve = (policy: Record<string, unknown>, own: Record<string, unknown>) =>
      JSON.stringify(parsePluginsConfig({ defaults: { policy }, plugins: [{ name: 'echo', path: './echo', policy: own }] }, { path, env: {} }).plugins[0]?.policy);
    expect(resolve({ retry: { maxAttempts: 2 }, timeoutMs: 5000 }, { breaker: { halfOpenAfterMs: 5, failureThreshold: 2 }, maxQueue: 0 })).toBe(
      resolve({ timeoutMs: 5000, retry: { maxAttempts: 2 } }, { maxQueue: 0, breaker: { failureThreshold: 2, halfOpenAfterMs: 5 } }),
    );
  });

  it('gathers every problem into one error naming the plugin and field', () => {
    const error = refusal(() =>
      parsePluginsConfig(
        {
          plugins: [
            { name: 'weather', package: '@acai/plugin-weather', policy: { timeoutMs: -1 }, colour: 'red' },
            { name: 'weather', path: './x', tarball: './x.tgz' },
            { name: 'Bad_Name', package: 'x' },
          ],
        },
        { path, env: {} },
      ),
    );
    expect(error.code).toBe('HOST_CONFIG_INVALID');
    expect(error.message).toContain('plugins.config.json › weather › policy › timeoutMs: must be >= 1');
    expect(error.message).toContain('plugins.config.json › weather › colour: is not an allowed property (remove it)');
    expect(error.message).toContain('weather: set exactly one of "package", "path", "tarball" or "mcp" (found path and tarball)');
    expect(error.message).toContain('› Bad_Name › name');
    expect(error.message).toContain('weather: the name is used by more than one plugin entry');
  });

  it('resolves ${ENV} references and records unset variables on the entry only', () => {
    const config = parsePluginsConfig(
      {
        plugins: [
          {
            name: 'weather',
            package: '@acai/plugin-weather',
            config: { apiKey: '${WEATHER_API_KEY}', region: '${REGION:-eu}', url: 'https://${HOST_NAME}/v1', nested: { token: '${TOKEN}' } },
          },
        ],
      },
      { path, env: { HOST_NAME: 'mirror.local', TOKEN: 't-1' } },
    );
    const weather = config.plugins[0];
    expect(weather?.config).toEqual({ region: 'eu', url: 'https://mirror.local/v1', nested: { token: 't-1' } });
    expect(weather?.unresolvedVariables).toEqual([
      {
        pointer: '/apiKey',
        variable: 'WEATHER_API_KEY',
        message: 'plugins.config.json › weather › apiKey: environment variable WEATHER_API_KEY is not set',
      },
    ]);
  });
});

describe('parsePluginsConfig with MCP server entries', () => {
  it('resolves a stdio server: ${ENV} references in command, args and env, inherited PATH and HOME only, cwd against the file, mode external', () => {
    const config = parsePluginsConfig(
      {
        plugins: [
          {
            name: 'files',
            version: '^2.0.0',
            mcp: { command: 'npx', args: ['-y', 'files-server', '--root', '${FILES_ROOT}'], env: { FILES_TOKEN: '${FILES_TOKEN}', LOG_FORMAT: 'json' }, cwd: './servers' },
            tools: { deny: ['delete_file'] },
          },
        ],
      },
      { path, env: { FILES_ROOT: '/srv/files', FILES_TOKEN: 'files-token-123', PATH: '/usr/bin:/bin', HOME: '/home/acai', DATABASE_PASSWORD: 'not-for-mcp', BASH_FUNC: '() { :; }' } },
    );
    const files = config.plugins[0];
    expect(files).toMatchObject({ name: 'files', version: '^2.0.0', mode: 'external', enabled: true, unresolvedVariables: [] });
    expect(files?.source).toEqual({
      kind: 'mcp',
      // The server gets PATH and HOME from the host, never the host's other variables.
      server: {
        transport: 'stdio',
        command: 'npx',
        args: ['-y', 'files-server', '--root', '/srv/files'],
        env: { PATH: '/usr/bin:/bin', HOME: '/home/acai', FILES_TOKEN: 'files-token-123', LOG_FORMAT: 'json' },
        cwd: '/etc/acai/servers',
      },
      secretValues: ['files-token-123'],
    });
    expect(files?.tools.deny).toEqual(['delete_file']);
  });

  it('resolves a Streamable HTTP server and treats header values, secret-looking names and URL credentials as secrets', () => {
    const config = parsePluginsConfig(
      { plugins: [{ name: 'search', mcp: { url: 'https://user:url-pass-9@mcp.example.com/mcp?api_key=${SEARCH_KEY}', headers: { Authorization: 'Bearer ${SEARCH_TOKEN}', 'X-Team': 'blue' } } }] },
      { path, env: { SEARCH_TOKEN: 'tok-abcdef', SEARCH_KEY: 'key-123456' } },
    );
    const source = config.plugins[0]?.source;
    expect(source).toMatchObject({
      kind: 'mcp',
      server: { transport: 'streamable_http', url: 'https://user:url-pass-9@mcp.example.com/mcp?api_key=key-123456', headers: { Authorization: 'Bearer tok-abcdef', 'X-Team': 'blue' } },
    });
    expect(source?.kind === 'mcp' && [...source.secretValues].sort()).toEqual(['Bearer tok-abcdef', 'key-123456', 'tok-abcdef', 'url-pass-9'].sort());
  });

  it('records unset variables of an MCP block on that entry only, naming the mcp field', () => {
    const config = parsePluginsConfig(
      { plugins: [{ name: 'search', mcp: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${SEARCH_TOKEN}' } } }, { name: 'datetime', package: '@acai/plugin-datetime' }] },
      { path, env: {} },
    );
    expect(config.plugins[0]?.unresolvedVariables).toEqual([
      { pointer: '/headers/Authorization', variable: 'SEARCH_TOKEN', message: 'plugins.config.json › search › mcp.headers.Authorization: environment variable SEARCH_TOKEN is not set' },
    ]);
    expect(config.plugins[1]?.unresolvedVariables).toEqual([]);
  });

  it('refuses an MCP block with both or neither transport, keys of the other transport, transport headers and keys that do not apply to MCP servers', () => {
    const error = refusal(() =>
      parsePluginsConfig(
        {
          plugins: [
            { name: 'both', mcp: { command: 'node', url: 'http://127.0.0.1:1/mcp' } },
            { name: 'neither', mcp: { args: ['x'] } },
            { name: 'http-args', mcp: { url: 'http://127.0.0.1:1/mcp', env: { A: 'b' }, headers: { 'Mcp-Session-Id': 'x' } } },
            { name: 'stdio-headers', mcp: { command: 'node', headers: { A: 'b' } } },
            { name: 'extras', mcp: { command: 'node' }, mode: 'worker', config: { a: 1 }, network: { allowHosts: ['x'] } },
            { name: 'two-sources', mcp: { command: 'node' }, package: '@acai/plugin-datetime' },
            { name: 'bad-url', mcp: { url: 'file:///etc/passwd', headers: { 'bad header': 'x' } } },
          ],
        },
        { path, env: {} },
      ),
    );
    expect(error.code).toBe('HOST_CONFIG_INVALID');
    for (const expected of [
      'both › mcp: set either "command" (a server started over stdio) or "url" (a Streamable HTTP server), not both',
      'neither › mcp: set either "command" (a server started over stdio) or "url" (a Streamable HTTP server)',
      'http-args › mcp › env: applies to stdio servers ("command"), not to Streamable HTTP servers',
      'http-args › mcp › headers › Mcp-Session-Id: set by the MCP transport itself; remove it',
      'stdio-headers › mcp › headers: applies to Streamable HTTP servers ("url"), not to stdio servers',
      'extras › mode: does not apply to an MCP server',
      'extras › config: does not apply to an MCP server',
      'extras › network: does not apply to an MCP server',
      'two-sources: set exactly one of "package", "path", "tarball" or "mcp" (found package and mcp)',
      'bad-url › mcp › url: must match pattern',
      'bad-url › mcp › headers: property name must be valid',
    ]) {
      expect(error.message).toContain(expected);
    }
  });

  it('refuses oversized MCP blocks through the schema instead of carrying them', () => {
    const env = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`VAR_${index}`, 'x']));
    const error = refusal(() => parsePluginsConfig({ plugins: [{ name: 'huge', mcp: { command: 'node', env, args: Array.from({ length: 300 }, () => 'a') } }] }, { path, env: {} }));
    expect(error.message).toContain('huge › mcp › env: must NOT have more than 256 properties');
    expect(error.message).toContain('huge › mcp › args: must NOT have more than 256 items');
  });
});

describe('loadPluginsConfig', () => {
  it('loads the repository plugins.config.json', async () => {
    const config = await loadPluginsConfig(new URL('../../../plugins.config.json', import.meta.url).pathname, {});
    expect(config.plugins.map((plugin) => plugin.name)).toEqual(['datetime', 'weather', 'holidays']);
    expect(config.plugins.every((plugin) => plugin.enabled && plugin.mode === 'inline')).toBe(true);
  });

  it('reports unreadable and unparsable files as HOST_CONFIG_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'acai-plugins-config-'));
    try {
      await writeFile(join(dir, 'broken.json'), '{ nope');
      await expect(loadPluginsConfig(join(dir, 'broken.json'), {})).rejects.toMatchObject({ code: 'HOST_CONFIG_INVALID' });
      await expect(loadPluginsConfig(join(dir, 'missing.json'), {})).rejects.toMatchObject({ code: 'HOST_CONFIG_INVALID' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
