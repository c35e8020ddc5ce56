import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPluginName, hostRangeFor, scaffoldPlugin, SCAFFOLD_HOST_VERSION, SIGNATURE_FILE_NAME } from './scaffold-plugin.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'acai-scaffold-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('scaffoldPlugin', () => {
  it('writes a package with the manifest, SDK peer range, a typed tool, a harness test, tsconfig and README', async () => {
    const result = await scaffoldPlugin({ name: 'stock-quotes', directory: 'out', description: "Quotes from O'Hare's */ exchange" }, cwd);
    expect(result.files).toEqual(expect.arrayContaining(['package.json', 'README.md', '.gitignore', 'src/index.ts', 'src/index.test.ts', 'src/format-greeting.ts', 'tsconfig.json']));
    const packageJson = JSON.parse(await readFile(join(cwd, 'out', 'package.json'), 'utf8'));
    expect(packageJson).toMatchObject({
      name: 'acai-plugin-stock-quotes',
      type: 'module',
      acai: { entry: './dist/index.js', sdkApi: '1', hostRange: hostRangeFor(SCAFFOLD_HOST_VERSION) },
      peerDependencies: { '@acai/plugin-sdk': '^1.0.0' },
      scripts: { build: expect.any(String), test: 'vitest run', prepack: 'npm run build' },
    });
    // Without --sdk the SDK comes from the registry, as for an author without a host checkout.
    expect(packageJson.devDependencies['@acai/plugin-sdk']).toBe('^1.0.0');
    const index = await readFile(join(cwd, 'out', 'src', 'index.ts'), 'utf8');
    expect(index).toContain("name: 'stock-quotes'");
    // The description is escaped for a string literal and cannot close the comment.
    expect(index).toContain("description: 'Quotes from O\\'Hare\\'s *\\/ exchange'");
    expect(await readFile(join(cwd, 'out', 'README.md'), 'utf8')).toContain("Quotes from O'Hare's */ exchange");
  });

  it('writes what a published package needs: LICENSE, CHANGELOG, a CI workflow, and a files list that publishes them and a signature', async () => {
    const result = await scaffoldPlugin({ name: 'quotes', directory: 'q', author: 'Ada Lovelace', year: 2031 }, cwd);
    expect(result.files).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md', '.github/workflows/ci.yml']));
    const license = await readFile(join(cwd, 'q', 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2031 Ada Lovelace\n/);
    const packageJson = JSON.parse(await readFile(join(cwd, 'q', 'package.json'), 'utf8'));
    expect(packageJson).toMatchObject({ license: 'MIT', author: 'Ada Lovelace' });
    expect(packageJson.files).toEqual(['dist', 'README.md', 'CHANGELOG.md', 'LICENSE', SIGNATURE_FILE_NAME]);
    expect(await readFile(join(cwd, 'q', 'CHANGELOG.md'), 'utf8')).toContain('## 0.1.0');
    const workflow = await readFile(join(cwd, 'q', '.github', 'workflows', 'ci.yml'), 'utf8');
    // GitHub's own ${{ … }} expressions survive the template rendering untouched.
    expect(workflow).toContain('node-version: ${{ matrix.node }}');
    expect(workflow).toContain('npx --yes @acai/cli plugin validate . --against "$name@latest"');
    const readme = await readFile(join(cwd, 'q', 'README.md'), 'utf8');
    for (const section of ['## Develop', '## Test and validate', '## Publish', '## Use it in a host', '## Permissions']) expect(readme).toContain(section);
    expect(readme).not.toMatch(/\{\{\w+\}\}/);
  });

  it('refuses a folder that is not empty, and a file in the way', async () => {
    await mkdir(join(cwd, 'busy'));
    await writeFile(join(cwd, 'busy', 'keep.txt'), 'mine');
    await expect(scaffoldPlugin({ name: 'quotes', directory: 'busy' }, cwd)).rejects.toThrow(/is not empty \(1 entries\); choose another --dir/);
    await writeFile(join(cwd, 'file'), 'x');
    await expect(scaffoldPlugin({ name: 'quotes', directory: 'file' }, cwd)).rejects.toThrow(/exists and is not a folder/);
    expect(await readFile(join(cwd, 'busy', 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('refuses an --sdk folder that is not the SDK', async () => {
    await mkdir(join(cwd, 'not-sdk'));
    await writeFile(join(cwd, 'not-sdk', 'package.json'), '{"name":"left-pad"}');
    await expect(scaffoldPlugin({ name: 'quotes', directory: 'q', sdk: './not-sdk' }, cwd)).rejects.toThrow(/holds "left-pad", not @acai\/plugin-sdk/);
    await expect(scaffoldPlugin({ name: 'quotes', directory: 'q', sdk: './missing' }, cwd)).rejects.toThrow(/no package\.json in/);
  });

  it('uses a registry range for --sdk when given one', async () => {
    await scaffoldPlugin({ name: 'quotes', directory: 'q', sdk: '^1.2.0' }, cwd);
    expect(JSON.parse(await readFile(join(cwd, 'q', 'package.json'), 'utf8')).devDependencies['@acai/plugin-sdk']).toBe('^1.2.0');
  });
});

describe('hostRangeFor', () => {
  it('accepts the host minor line before 1.0 and the major line after', () => {
    expect(hostRangeFor('0.1.0')).toBe('>=0.1.0 <1.0.0');
    expect(hostRangeFor('0.4.2')).toBe('>=0.4.0 <1.0.0');
    expect(hostRangeFor('2.3.1')).toBe('>=2.0.0 <3.0.0');
  });
});

describe('checkPluginName', () => {
  it.each(['../evil', '..', 'a/b', 'Upper', 'x', '1starts-with-digit', 'ends-with-dash-', 'has space', 'a'.repeat(33), '', 'nul\0byte'])(
    'refuses %j with the naming rule',
    (name) => {
      expect(() => checkPluginName(name)).toThrow(/invalid plugin name .*lower-case letters, digits and dashes/);
    },
  );

  it('accepts names the host accepts', () => {
    for (const name of ['ab', 'stock-quotes', 'a1', 'a'.repeat(32)]) expect(() => checkPluginName(name)).not.toThrow();
  });
});
