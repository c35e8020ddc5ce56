import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePluginSource, pathForConfig, sourceFields } from './parse-plugin-source.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'acai-source-'));
  await mkdir(join(root, 'project', 'plugins', 'quotes'), { recursive: true });
  await writeFile(join(root, 'project', 'plugins', 'quotes', 'package.json'), '{}');
  await mkdir(join(root, 'project', 'empty-folder'));
  await writeFile(join(root, 'project', 'quotes-1.0.0.tgz'), 'not really gzip');
  await mkdir(join(root, 'elsewhere'));
  await writeFile(join(root, 'elsewhere', 'other-2.0.0.tar.gz'), 'x');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parsePluginSource', () => {
  it('reads a folder, storing it relative to the config file', () => {
    const cwd = join(root, 'project', 'plugins');
    const source = parsePluginSource('quotes', cwd, join(root, 'project'));
    expect(source).toMatchObject({ kind: 'path', path: './plugins/quotes' });
    expect(sourceFields(source)).toEqual({ path: './plugins/quotes' });
  });

  it('reads a tarball, and stores one outside the config folder as an absolute path', () => {
    const project = join(root, 'project');
    expect(parsePluginSource('./quotes-1.0.0.tgz', project, project)).toMatchObject({ kind: 'tarball', tarball: './quotes-1.0.0.tgz' });
    expect(parsePluginSource('../elsewhere/other-2.0.0.tar.gz', project, project)).toMatchObject({
      kind: 'tarball',
      tarball: join(root, 'elsewhere', 'other-2.0.0.tar.gz'),
    });
  });

  it('reads a package name with an optional version range', () => {
    expect(parsePluginSource('@acai/plugin-weather@^1.2.0', root, root)).toEqual({ kind: 'package', package: '@acai/plugin-weather', version: '^1.2.0' });
    expect(sourceFields(parsePluginSource('acai-plugin-quotes', root, root))).toEqual({ package: 'acai-plugin-quotes' });
  });

  it.each([
    ['a missing tarball', './nope-1.0.0.tgz', /no tarball at/],
    ['a missing folder', './nope', /no plugin folder at/],
    ['a folder without package.json', './empty-folder', /has no package\.json/],
    ['path traversal to a folder that is not a plugin', '../../../../../../etc', /has no package\.json|no plugin folder/],
    ['an invalid package name', 'Not A Package!', /not a plugin folder, a tarball .* or a valid npm package name/],
    ['a bad version range', '@acai/plugin-weather@not-a-range', /is not a semver range/],
    ['an empty argument', '   ', /empty/],
    ['control characters', 'quotes\n--force', /control characters/],
  ])('refuses %s with a clear message', (_label, argument, message) => {
    expect(() => parsePluginSource(argument, join(root, 'project'), join(root, 'project'))).toThrow(message);
  });
});

describe('pathForConfig', () => {
  it('writes paths inside the config folder as ./relative and others as absolute', () => {
    expect(pathForConfig('/srv/acai/plugins/x', '/srv/acai')).toBe('./plugins/x');
    expect(pathForConfig('/opt/x', '/srv/acai')).toBe('/opt/x');
    expect(pathForConfig('/srv/acai', '/srv/acai')).toBe('.');
  });
});
