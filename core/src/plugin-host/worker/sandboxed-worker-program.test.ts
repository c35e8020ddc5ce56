import { readFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxedWorkerProgram } from './sandboxed-worker-program.js';

/** Every host file the compiled worker reaches through relative imports, the entry included. */
async function reachableHostFiles(entryPath: string): Promise<string[]> {
  const seen = new Set<string>();
  const pending = [entryPath];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    // Compiled ESM: static `import … from './x.js'` / `export … from '../y.js'` and dynamic `import('./z.js')`.
    for (const match of text.matchAll(/(?:from\s*|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) pending.push(resolve(dirname(file), match[1]!));
  }
  return [...seen];
}

describe('sandboxedWorkerProgram', () => {
  it('shows the sandbox every host file the compiled worker imports (a missing one crashes every sandboxed plugin at import)', async () => {
    const program = await sandboxedWorkerProgram();
    const files = await reachableHostFiles(program.entryPath);
    expect(files.length).toBeGreaterThan(1);
    const hidden = files.filter((file) => !program.programPaths.some((path) => file === path || file.startsWith(path + sep)));
    expect(hidden).toEqual([]);
  });
});
