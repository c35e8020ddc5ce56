import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README and ARCHITECTURE.md stay true to the code: every variable the host parses is documented,
// the opening commands are the two that work, and every link resolves.
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const readme = read('README.md');

/** Variables read by the config module (its parsing helpers) and by the tracing start-up. */
function variablesTheHostReads(): string[] {
  const configDir = join(root, 'core/src/config');
  const sources = [
    ...readdirSync(configDir, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
      .map((file) => readFileSync(join(configDir, file), 'utf8')),
    read('core/src/observability/start-tracing.ts'),
  ];
  const names = new Set<string>();
  for (const source of sources) {
    for (const match of source.matchAll(/\b(?:text|integer|flag|list|origins|url|connectionString|path)\(\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(match[1]!);
    for (const match of source.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
  }
  return [...names].sort();
}

function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(match[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} -]/gu, '').replace(/ /g, '-'));
  }
  return anchors;
}

describe('README.md', () => {
  it('opens with the command that starts the host on embedded defaults and the one that runs the suite', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('## '));
    expect(firstBlock).toContain('npm ci && AUTH_DISABLED=true npm start');
    expect(firstBlock).toMatch(/^npm test$/m);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain('core/dist/main.js');
    expect(scripts.test).toBe('bash tests/support/run-tests.sh');
  });

  it('documents every environment variable the host reads', () => {
    const variables = variablesTheHostReads();
    // A guard against the scan silently finding nothing after a refactor of the config module.
    expect(variables.length).toBeGreaterThan(35);
    const missing = variables.filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('names only npm scripts that exist, and their files', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const match of readme.matchAll(/npm run ([a-z][a-z:-]*[a-z])/g)) {
      expect(scripts, match[1]).toHaveProperty(match[1]!);
      for (const file of scripts[match[1]!]!.matchAll(/(bench\/[\w.-]+\.ts)/g)) expect(existsSync(join(root, file[1]!)), file[1]).toBe(true);
    }
  });

  it.each(['README.md', 'ARCHITECTURE.md'])('%s links only to files and headings that exist', (document) => {
    const markdown = read(document);
    const anchors = headingAnchors(markdown);
    const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((link) => !/^[a-z]+:/.test(link));
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      const [path, anchor] = link.split('#');
      if (path) {
        expect(existsSync(join(root, dirname(document), path)), `${document} → ${link}`).toBe(true);
      } else {
        expect(anchors.has(anchor!), `${document} → #${anchor}`).toBe(true);
      }
    }
  });
});
