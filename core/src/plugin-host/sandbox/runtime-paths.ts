import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The system's program and library directories, read-only, for sandboxes that run programs of the
 * system (stdio MCP servers, and plugins granted `processes`). Code only: no configuration (`/etc` is
 * left out but for the loader cache, certificates, alternatives links and the time zone), no home
 * directories, no `/var`, `/run` or `/tmp`.
 */
export const SYSTEM_RUNTIME_PATHS: readonly string[] = [
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/etc/ld.so.cache',
  '/etc/alternatives',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/localtime',
];

const runtimeCache = new Map<string, Promise<readonly string[]>>();

/**
 * What a dynamically linked program needs to start: the program itself, the directories of the shared
 * libraries the loader resolves for it (`ldd`), the loader's own path and its cache. Cached per program.
 * When `ldd` is missing, the usual library directories stand in for its answer.
 */
export function programRuntimePaths(program: string): Promise<readonly string[]> {
  let cached = runtimeCache.get(program);
  if (cached === undefined) {
    cached = resolveProgramRuntime(program);
    runtimeCache.set(program, cached);
    cached.catch(() => runtimeCache.delete(program));
  }
  return cached;
}

async function resolveProgramRuntime(program: string): Promise<readonly string[]> {
  const libraries = await sharedLibraries(program);
  const directories = await Promise.all(libraries.map(async (library) => dirname(await realpath(library).catch(() => library))));
  return [...new Set([program, ...libraries, ...directories, '/etc/ld.so.cache'])];
}

/** The absolute paths `ldd` lists for a program (statically linked programs list none). */
async function sharedLibraries(program: string): Promise<readonly string[]> {
  let output: string;
  try {
    output = (await run('ldd', [program], { encoding: 'utf8', timeout: 30_000, env: {} })).stdout;
  } catch (error) {
    // "not a dynamic executable" is ldd's answer for static programs and scripts.
    if (/not a dynamic executable/i.test(String((error as { stderr?: unknown }).stderr ?? ''))) return [];
    return ['/lib', '/lib64', '/usr/lib', '/usr/lib64'];
  }
  return parseLddOutput(output);
}

/** Paths from `ldd` output lines: `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` and `/lib64/ld-linux-x86-64.so.2 (0x…)`. */
export function parseLddOutput(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/i.exec(line.trim());
    if (match?.[1] !== undefined) paths.push(match[1]);
  }
  return paths;
}
