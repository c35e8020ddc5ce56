import { pathToFileURL } from 'node:url';
import { createSystemClock, createToolHttpClient, MemoryToolCache } from '@acai/plugin-sdk/host';
import type { Logger } from 'pino';
import { NO_PERMISSIONS } from './permissions/index.js';
import { protectedHostPaths, type SandboxSettings } from './place-plugin.js';
import { openPackageSandbox } from './plugin-sandboxes.js';
import type { ProtectedPath } from './sandbox/index.js';
import { WorkerPluginRuntime } from './worker/index.js';

/** Options of {@link readDeclaredPluginName}. */
export interface ReadDeclaredNameOptions {
  readonly packageDir: string;
  /** Absolute path of the package's entry module. */
  readonly entryPath: string;
  /** Import it in this process: first-party code, or an entry that opted out of the sandbox. Anything else only in a sandbox. */
  readonly inProcess: boolean;
  /** Never shown inside the sandbox (see protectedHostPaths). */
  readonly dataDir: string;
  readonly configPath: string;
  readonly logger: Logger;
  readonly sandbox?: SandboxSettings;
  /** What the sandbox may not show (default: the host's, {@link protectedHostPaths}). */
  readonly protectedPaths?: readonly ProtectedPath[];
  /** How long the import may take before the sandbox is killed (default: a worker's default hard deadline). */
  readonly hardDeadlineMs?: number;
}

/**
 * The name a plugin package's definePlugin declares (its plugins.config.json entry must use it), read the
 * way the host would load it: a third-party entry is imported only inside a sandbox with no permissions
 * (importing runs the package's code), never in the CLI's own process. Undefined when it cannot be read.
 */
export async function readDeclaredPluginName(options: ReadDeclaredNameOptions): Promise<string | undefined> {
  const entryUrl = pathToFileURL(options.entryPath).href;
  if (options.inProcess) {
    const module = (await import(entryUrl)) as { default?: { name?: unknown } };
    const declared = module.default?.name;
    return typeof declared === 'string' ? declared : undefined;
  }
  const name = 'inspection';
  const sandboxed = await openPackageSandbox(
    { settings: options.sandbox ?? {}, protectedPaths: options.protectedPaths ?? protectedHostPaths(options.dataDir, options.configPath) },
    { name, packageDir: options.packageDir, grant: NO_PERMISSIONS, environment: {}, logger: options.logger },
    `${options.packageDir}`,
  );
  const runtime = new WorkerPluginRuntime({
    entryUrl,
    sandbox: sandboxed,
    ...(options.hardDeadlineMs === undefined ? {} : { hardDeadlineMs: options.hardDeadlineMs }),
    services: {
      logger: options.logger,
      cache: new MemoryToolCache(),
      clock: createSystemClock(),
      plugin: { name, version: '0.0.0' },
      createHttpClient: (signal) => createToolHttpClient({ allowedHosts: [], signal }),
    },
  });
  try {
    return (await runtime.load()).name;
  } finally {
    await runtime.dispose();
  }
}
