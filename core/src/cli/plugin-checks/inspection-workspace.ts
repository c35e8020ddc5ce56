import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { HOST_VERSION } from '../../app.js';
import { MemoryKeyValueStore } from '../../cache/index.js';
import { EnvReader, type Env } from '../../config/env/env-reader.js';
import { readPluginSettings } from '../../config/env/plugin-settings.js';
import type { PluginsConfig } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';
import { loadPluginHost, type PluginHost, type PluginRuntimeFactory } from '../../plugin-host/index.js';
import { createPluginRuntimeFactory } from '../../plugin-host/worker/index.js';

/**
 * What checking plugins outside a running host needs: a throwaway data folder (tarballs are extracted
 * there, never into the host's), an in-memory cache and a private metrics registry. `dispose` removes
 * the folder and every plugin host loaded through it. Worker plugins and stdio MCP servers run at the CPU
 * niceness the host would give them (PLUGIN_WORKER_NICE in the command's environment, default 10).
 */
export class InspectionWorkspace {
  readonly hostVersion = HOST_VERSION;
  readonly registry = new Registry();
  readonly #hosts: PluginHost[] = [];

  readonly #niceness: number;

  private constructor(
    readonly dataDir: string,
    readonly logger: Logger,
    niceness: number,
  ) {
    this.#niceness = niceness;
  }

  static async create(logger: Logger, env: Env, cwd: string): Promise<InspectionWorkspace> {
    const niceness = pluginNiceness(env, cwd);
    return new InspectionWorkspace(await mkdtemp(join(tmpdir(), 'acai-cli-')), logger, niceness);
  }

  /**
   * Loads the plugins exactly as the host does (loadPluginHost: every named check and setup; worker-mode
   * entries in workers unless `runtimeFactory` says otherwise). `required` is ignored so one failing
   * plugin is reported instead of aborting the whole inspection.
   */
  async load(config: PluginsConfig, runtimeFactory?: PluginRuntimeFactory): Promise<PluginHost> {
    const host = await loadPluginHost({
      config: { ...config, plugins: config.plugins.map((entry) => ({ ...entry, required: false })) },
      configDir: config.dir,
      dataDir: this.dataDir,
      hostVersion: this.hostVersion,
      keyValueStore: new MemoryKeyValueStore(),
      logger: this.logger,
      metricsRegistry: this.registry,
      runtimeFactory: runtimeFactory ?? createPluginRuntimeFactory({ niceness: this.#niceness }),
      mcp: { niceness: this.#niceness },
      // The inspection loads the author's plugin in place, often from the working directory, so that directory and
      // the stand-in config path beside it are not protected; the throwaway data directory and home still are.
      protectedPaths: [
        { path: this.dataDir, what: "the inspection's data directory" },
        { path: homedir(), what: "the user's home directory" },
      ],
    });
    this.#hosts.push(host);
    return host;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#hosts.splice(0).map((host) => host.dispose()));
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** PLUGIN_WORKER_NICE as the host reads it; a malformed PLUGIN_* variable is refused as the host refuses it. */
function pluginNiceness(env: Env, cwd: string): number {
  const read = new EnvReader(env, cwd);
  const { niceness } = readPluginSettings(read).worker;
  if (read.problems.length > 0) throw new HostError('HOST_CONFIG_INVALID', `Invalid environment: ${read.problems.join('; ')}`);
  return niceness;
}
