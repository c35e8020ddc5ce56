import { lstat, readlink, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { isInside } from '../permissions/index.js';

/** One step of building the sandbox's file system (bubblewrap applies them in order). */
export type SandboxMount =
  /** The host's file or directory at `path`, read-only, at the same path. */
  | { readonly kind: 'read-only'; readonly path: string }
  /** A symbolic link at `path` pointing to `target` (as written on the host). */
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string };

const MAX_SYMLINK_HOPS = 40;

/**
 * Makes each host path visible at the same path inside the sandbox, read-only, as the host resolves
 * it: every symbolic link on the way (`/lib` → `usr/lib`, `node_modules/@acai/plugin-sdk` →
 * `../../plugin-sdk`) becomes the same link in the sandbox, and only the real file or directory at the
 * end is mounted. Paths that do not exist are left out. The result mounts parents before children and
 * drops what an already mounted directory shows anyway.
 */
export async function mirrorHostPaths(paths: Iterable<string>): Promise<SandboxMount[]> {
  const mounted = new Set<string>();
  const links = new Map<string, string>();
  for (const path of paths) {
    const walk = await walkHostPath(path);
    if (walk === undefined) continue;
    for (const [link, target] of walk.links) links.set(link, target);
    mounted.add(walk.realPath);
  }
  const directories = [...mounted].sort((left, right) => left.length - right.length || left.localeCompare(right));
  const kept: string[] = [];
  for (const path of directories) if (!kept.some((parent) => isInside(path, parent))) kept.push(path);
  const mounts: SandboxMount[] = [];
  // Links first: they live in the sandbox's own root, and a mount below a linked directory follows them.
  for (const [path, target] of [...links].sort(([left], [right]) => left.length - right.length || left.localeCompare(right))) {
    if (kept.some((parent) => isInside(path, parent))) continue; // the mounted directory holds this link already
    mounts.push({ kind: 'symlink', path, target });
  }
  for (const path of kept) mounts.push({ kind: 'read-only', path });
  return mounts;
}

/** Resolves `path` one component at a time, recording the links it follows. Undefined when it does not exist. */
async function walkHostPath(path: string): Promise<{ readonly realPath: string; readonly links: Map<string, string> } | undefined> {
  if (!isAbsolute(path)) throw new Error(`sandbox paths must be absolute: ${path}`);
  const links = new Map<string, string>();
  let pending = resolve(path).split(sep).filter((part) => part !== '');
  let current: string = sep;
  let hops = 0;
  while (pending.length > 0) {
    const [part, ...rest] = pending;
    pending = rest;
    const next = join(current, part!);
    let info;
    try {
      info = await lstat(next);
    } catch {
      return undefined;
    }
    if (!info.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) return undefined;
    const target = await readlink(next);
    links.set(next, target);
    const resolved = isAbsolute(target) ? resolve(target) : resolve(dirname(next), target);
    // Continue from the link's target: its own components may be links too.
    pending = [...resolved.split(sep).filter((segment) => segment !== ''), ...pending];
    current = sep;
  }
  try {
    await stat(current);
  } catch {
    return undefined;
  }
  return { realPath: current, links };
}
