import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pluginsConfigPath, PluginsConfigFile } from './plugins-config-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acai-config-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Deliberately odd but valid formatting: tabs, a one-line entry, keys out of the usual order.
const ORIGINAL = `{
\t"$schema": "./schema.json",
\t"plugins": [
\t\t{ "name": "datetime", "package": "@acai/plugin-datetime" },
\t\t{
\t\t\t"version": "^1.0.0",
\t\t\t"name": "weather",
\t\t\t"package": "@acai/plugin-weather",
\t\t\t"config": { "provider": "open-meteo" }
\t\t}
\t]
}
`;

async function write(text: string): Promise<string> {
  const path = join(dir, 'plugins.config.json');
  await writeFile(path, text);
  return path;
}

describe('PluginsConfigFile', () => {
  it('sets, replaces and removes fields of an entry in its own style, and removes entries with their commas', async () => {
    const path = await write(ORIGINAL);
    const file = await PluginsConfigFile.open(path);
    const integrity = `sha512-${'A'.repeat(86)}==`;
    file.setEntryField('weather', 'installed', { version: '1.2.3', integrity });
    file.setEntryField('datetime', 'version', '^2.0.0');
    expect(file.content).toContain('\t\t\t"config": { "provider": "open-meteo" },\n\t\t\t"installed": {\n\t\t\t\t"version": "1.2.3",\n\t\t\t\t"integrity": "' + integrity + '"\n\t\t\t}\n\t\t}');
    expect(file.content).toContain('{ "name": "datetime", "package": "@acai/plugin-datetime", "version": "^2.0.0" }');
    file.setEntryField('weather', 'version', '^1.2.0');
    expect(file.content).toContain('\t\t\t"version": "^1.2.0",\n');
    file.setEntryField('weather', 'version', undefined);
    file.setEntryField('datetime', 'version', undefined);
    file.setEntryField('weather', 'installed', undefined);
    file.setEntryField('weather', 'absent', undefined);
    expect(file.content).toBe(ORIGINAL.replace('\t\t\t"version": "^1.0.0",\n', ''));
    expect(file.entryFields('weather')).toEqual({ name: 'weather', package: '@acai/plugin-weather', config: { provider: 'open-meteo' } });

    file.remove('datetime');
    expect(file.names()).toEqual(['weather']);
    file.remove('weather');
    expect(JSON.parse(file.content)).toEqual({ $schema: './schema.json', plugins: [] });
    expect(() => file.remove('weather')).toThrow(/no plugin "weather" in/);
    await file.save({});
    expect(JSON.parse(await readFile(path, 'utf8')).plugins).toEqual([]);
  });

  it('disables and re-enables an entry, touching nothing else in the file', async () => {
    const path = await write(ORIGINAL);
    const file = await PluginsConfigFile.open(path);
    expect(file.setEnabled('weather', false)).toBe(true);
    expect(file.setEnabled('datetime', false)).toBe(true);
    await file.save({});
    const edited = await readFile(path, 'utf8');
    expect(edited).toBe(
      ORIGINAL.replace('"name": "datetime",', '"name": "datetime", "enabled": false,').replace('"name": "weather",', '"name": "weather",\n\t\t\t"enabled": false,'),
    );
    const again = await PluginsConfigFile.open(path);
    expect(again.isEnabled('weather')).toBe(false);
    expect(again.setEnabled('weather', false)).toBe(false);
    again.setEnabled('weather', true);
    await again.save({});
    expect(await readFile(path, 'utf8')).toContain('"enabled": true');
  });

  it('appends an entry indented like its siblings', async () => {
    const path = await write(ORIGINAL);
    const file = await PluginsConfigFile.open(path);
    file.add({ name: 'quotes', tarball: './quotes-1.0.0.tgz', enabled: false });
    await file.save({});
    const edited = await readFile(path, 'utf8');
    expect(edited.startsWith(ORIGINAL.slice(0, ORIGINAL.indexOf('\n\t]')))).toBe(true);
    expect(edited).toContain('\t\t},\n\t\t{\n\t\t\t"name": "quotes",\n\t\t\t"tarball": "./quotes-1.0.0.tgz",\n\t\t\t"enabled": false\n\t\t}\n\t]');
    expect(JSON.parse(edited).plugins).toHaveLength(3);
  });

  it('creates a missing file with a $schema reference when asked to', async () => {
    const path = join(dir, 'nested-name.json');
    const file = await PluginsConfigFile.open(path, { createIfMissing: true });
    expect(file.isNew).toBe(true);
    file.add({ name: 'datetime', package: '@acai/plugin-datetime' });
    await file.save({});
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written.$schema).toMatch(/plugins\.config\.schema\.json$/);
    expect(written.plugins).toEqual([{ name: 'datetime', package: '@acai/plugin-datetime' }]);
  });

  it('says how to fix a missing file, broken JSON and a missing plugins array', async () => {
    await expect(PluginsConfigFile.open(join(dir, 'absent.json'))).rejects.toThrow(/does not exist \(pass --config/);
    await expect(PluginsConfigFile.open(await write('{ "plugins": [ }'))).rejects.toThrow(/is not valid JSON: .* at line 1/);
    const noArray = await PluginsConfigFile.open(await write('{ "plugins": {} }'));
    expect(() => noArray.names()).toThrow(/has no "plugins" array/);
  });

  it('refuses an unknown plugin name, listing the configured ones', async () => {
    const file = await PluginsConfigFile.open(await write(ORIGINAL));
    expect(() => file.setEnabled('nope', false)).toThrow(/no plugin "nope" .*configured: datetime, weather/);
  });

  it('refuses to add a second entry with the same name', async () => {
    const file = await PluginsConfigFile.open(await write(ORIGINAL));
    expect(() => file.add({ name: 'weather', path: './weather' })).toThrow(/already in/);
    // The same check on its own, which `acai plugin add` runs before it asks for grants.
    expect(() => file.refuseDuplicate('weather')).toThrow(/a plugin named "weather" is already in .*; use `acai plugin enable weather`/);
    expect(() => file.refuseDuplicate('constructor')).not.toThrow();
    expect(() => file.refuseDuplicate('new-one')).not.toThrow();
  });

  it('validates with the host config loader and never writes an invalid file', async () => {
    const path = await write(ORIGINAL);
    const file = await PluginsConfigFile.open(path);
    file.add({ name: 'Bad Name!', path: './x' });
    await expect(file.save({})).rejects.toThrow(/plugins\.config\.json.*Bad Name!|name/);
    expect(await readFile(path, 'utf8')).toBe(ORIGINAL);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('pluginsConfigPath', () => {
  it('prefers the flag, then PLUGINS_CONFIG, then ./plugins.config.json, relative to cwd', () => {
    expect(pluginsConfigPath('conf/p.json', { PLUGINS_CONFIG: '/etc/x.json' }, '/work')).toBe('/work/conf/p.json');
    expect(pluginsConfigPath(undefined, { PLUGINS_CONFIG: '/etc/x.json' }, '/work')).toBe('/etc/x.json');
    expect(pluginsConfigPath(undefined, { PLUGINS_CONFIG: '  ' }, '/work')).toBe('/work/plugins.config.json');
    expect(pluginsConfigPath(undefined, {}, '/work')).toBe('/work/plugins.config.json');
  });
});
