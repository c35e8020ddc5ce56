import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// Running from TypeScript source (tests, `tsx`), a worker thread needs the TypeScript loader and the
// "@acai/source" condition; from dist it runs the compiled entry directly.

/** How to start a worker thread on one of our own modules. */
export interface ThreadEntry {
  /** The entry module itself: `.ts` from source, `.js` from dist. */
  readonly entryUrl: URL;
  /** What to pass to `new Worker()`. */
  readonly script: URL;
  /** The worker's execArgv (the "@acai/source" condition when running from source). */
  readonly execArgv: readonly string[];
}

/** Whether the module at `moduleUrl` runs from TypeScript source rather than from dist. */
export function isSourceModule(moduleUrl: string): boolean {
  return moduleUrl.endsWith('.ts');
}

/** The tsx package's folder as a file URL (its loader and API live there). */
export function tsxPackageUrl(): URL {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'));
}

/**
 * The entry `baseName` (e.g. `./store-thread`) next to the module at `moduleUrl`, as a worker
 * thread starts it: the `.js` file from dist, or, from source, a bootstrap that registers tsx and
 * imports the `.ts` file.
 */
export function threadEntry(moduleUrl: string, baseName: string): ThreadEntry {
  const isSource = isSourceModule(moduleUrl);
  const entryUrl = new URL(`${baseName}.${isSource ? 'ts' : 'js'}`, moduleUrl);
  if (!isSource) return { entryUrl, script: entryUrl, execArgv: [] };
  const tsxApiUrl = new URL('./dist/esm/api/index.mjs', tsxPackageUrl()).href;
  const bootstrap = `const { register } = await import(${JSON.stringify(tsxApiUrl)}); register(); await import(${JSON.stringify(entryUrl.href)});`;
  return { entryUrl, script: new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), execArgv: ['--conditions=@acai/source'] };
}
