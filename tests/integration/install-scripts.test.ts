import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);

interface LockedPackage {
  readonly hasInstallScript?: boolean;
  readonly link?: boolean;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, ROOT), 'utf8')) as T;
}

/** `node_modules/a/node_modules/@scope/b` → `@scope/b` */
function packageNameOf(lockPath: string): string {
  const segments = lockPath.split('node_modules/');
  return (segments[segments.length - 1] ?? '').replace(/\/$/, '');
}

describe('npm install scripts', () => {
  const lock = readJson<{ packages: Record<string, LockedPackage> }>('package-lock.json');
  const allowScripts = readJson<{ allowScripts?: Record<string, boolean> }>('package.json').allowScripts ?? {};
  const withScripts = [
    ...new Set(
      Object.entries(lock.packages)
        .filter(([path, entry]) => path.includes('node_modules/') && entry.hasInstallScript === true && entry.link !== true)
        .map(([path]) => packageNameOf(path)),
    ),
  ].sort();

  it('finds the dependencies whose install scripts the build relies on', () => {
    // better-sqlite3 builds or downloads its native addon; if the lockfile stops marking it, this check is blind.
    expect(withScripts).toContain('better-sqlite3');
  });

  it('declares every locked dependency with an install script in allowScripts, so npm ci is silent and reproducible', () => {
    const undeclared = withScripts.filter((name) => allowScripts[name] === undefined);
    expect(undeclared, 'run `npm install-scripts approve <pkg>` after reviewing the script').toEqual([]);
  });

  it('keeps no stale allowScripts entries for packages that are no longer locked with a script', () => {
    const stale = Object.keys(allowScripts).filter((name) => !withScripts.includes(name.replace(/@[^@/]+$/, '')));
    expect(stale, 'run `npm install-scripts prune`').toEqual([]);
  });
});
