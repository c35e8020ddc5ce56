import { dirname } from 'node:path';
import { compiledHostFile, HOST_PACKAGE_JSON, packageDependencyPaths, requireCompiledHostFile } from '../sandbox/index.js';

/** What a sandbox must hold to run the plugin worker: its compiled entry, and the files that entry imports. */
export interface SandboxedWorkerProgram {
  /** The compiled plugin-worker.js, the script Node runs inside the sandbox. */
  readonly entryPath: string;
  /**
   * Its directory, the host files outside it that the worker imports (the one JSON-data check of tool results),
   * core/package.json (the module type) and @acai/plugin-sdk with its dependencies.
   */
  readonly programPaths: readonly string[];
}

/**
 * Host modules outside worker/ that the worker imports. The sandbox shows only what is listed, so a new import
 * of that kind must be added here (sandboxed-worker-program.test.ts fails until it is).
 */
export const WORKER_IMPORTS_OUTSIDE_ITS_FOLDER: readonly URL[] = [new URL('../tool-result-data.ts', import.meta.url)];

let program: Promise<SandboxedWorkerProgram> | undefined;

/** The worker program for sandboxes (resolved once; fails with HOST_SANDBOX_UNAVAILABLE when the host was never built). */
export function sandboxedWorkerProgram(): Promise<SandboxedWorkerProgram> {
  program ??= resolveProgram();
  program.catch(() => {
    program = undefined;
  });
  return program;
}

async function resolveProgram(): Promise<SandboxedWorkerProgram> {
  const entryPath = await requireCompiledHostFile(compiledHostFile(new URL('./plugin-worker.ts', import.meta.url)));
  const importedHostFiles = await Promise.all(WORKER_IMPORTS_OUTSIDE_ITS_FOLDER.map((url) => requireCompiledHostFile(compiledHostFile(url))));
  const sdkPaths = await packageDependencyPaths(dirname(HOST_PACKAGE_JSON), { only: ['@acai/plugin-sdk'], includeSelf: false });
  return { entryPath, programPaths: [dirname(entryPath), ...importedHostFiles, HOST_PACKAGE_JSON, ...sdkPaths] };
}
