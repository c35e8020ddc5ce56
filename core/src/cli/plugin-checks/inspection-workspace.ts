import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { HOST_VERSION } from '../../app.js';
import { MemoryKeyValueStore } from '../../cache/index.js';
import { EnvReader, type Env } from '../../config/env/env-reader.js';
import { readPluginSettings, type PluginSettings } from '../../config/env/plugin-settings.js';
import type { PluginsConfig } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';
import { createHostRuntimeFactory, loadPluginHost, type PluginHost, type PluginRuntimeFactory, type SandboxSettings } from '../../plugin-host/index.js';
import type { ProtectedPath } from '../../plugin-host/sandbox/index.js';
import type { WorkerCallObserver } from '../../plugin-host/worker/index.js';
import type { SandboxedIdentifyOptions } from '../plugin-install/stage-release.js';

/**
 * What checking plugins outside a running host needs: a throwaway data folder (tarballs are extracted
 * there, never into the host's), an in-memory cache and a private metrics registry. `dispose` removes
 * the folder and every plugin host loaded through it. Plugins run as the host would run them, with the
 * host's settings read from the command's environment: third-party packages and stdio MCP servers in
 * their OS sandbox (PLUGIN_SANDBOX_BWRAP), worker plugins with PLUGIN_WORKER_* (heap, hard deadline,
 * isolation) and, like stdio MCP servers, at the CPU niceness PLUGIN_WORKER_NICE (default 10).
 */
export class InspectionWorkspace {
  readonly hostVersion = HOST_VERSION;
  readonly registry = new Registry();
  /**
   * What no sandbox of the inspection may show. The inspection loads the author's plugin in place, often from the
   * working directory, so that directory and the stand-in config path beside it are not protected; the throwaway
   * data directory and home still are.
   */
  readonly protectedPaths: readonly ProtectedPath[];
  readonly #hosts: PluginHost[] = [];
  readonly #settings: PluginSettings;

  private constructor(
    readonly dataDir: string,
    readonly logger: Logger,
    settings: PluginSettings,
  ) {
    this.#settings = settings;
    this.protectedPaths = [
      { path: dataDir, what: "the inspection's data directory" },
      { path: homedir(), what: "the user's home directory" },
    ];
  }

  static async create(logger: Logger, env: Env, cwd: string): Promise<InspectionWorkspace> {
    const settings = hostPluginSettings(env, cwd);
    return new InspectionWorkspace(await mkdtemp(join(tmpdir(), 'acai-cli-')), logger, settings);
  }

  /** The host's sandbox settings (where bubblewrap is). */
  get sandbox(): SandboxSettings {
    const { bubblewrapPath } = this.#settings.sandbox;
    return bubblewrapPath === undefined ? {} : { bubblewrapPath };
  }

  /** A worker plugin's hard deadline floor (PLUGIN_WORKER_HARD_DEADLINE_MS), as the host reads it. */
  get hardDeadlineMs(): number {
    return this.#settings.worker.hardDeadlineMs;
  }

  /** How a package's entry is imported to read its name: with these sandbox settings, within the host's hard deadline. */
  identifyOptions(): SandboxedIdentifyOptions {
    return { sandbox: this.sandbox, hardDeadlineMs: this.hardDeadlineMs };
  }

  /** The host's runtime factory for these settings; `observer` sees how each worker call ends (see WorkerCallObserver). */
  runtimeFactory(observer?: WorkerCallObserver): PluginRuntimeFactory {
    return createHostRuntimeFactory(this.#settings.worker, undefined, observer);
  }

  /**
   * Loads the plugins exactly as the host does (loadPluginHost: every named check and setup; worker-mode
   * entries in workers and third-party packages in their sandbox unless `runtimeFactory` says otherwise).
   * `required` is ignored so one failing plugin is reported instead of aborting the whole inspection.
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
      runtimeFactory: runtimeFactory ?? this.runtimeFactory(),
      mcp: { niceness: this.#settings.worker.niceness },
      sandbox: this.sandbox,
      protectedPaths: this.protectedPaths,
    });
    this.#hosts.push(host);
    return host;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#hosts.splice(0).map((host) => host.dispose()));
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** The host's PLUGIN_* settings from the command's environment; a malformed variable is refused as the host refuses it. */
function hostPluginSettings(env: Env, cwd: string): PluginSettings {
  const read = new EnvReader(env, cwd);
  const settings = readPluginSettings(read);
  if (read.problems.length > 0) throw new HostError('HOST_CONFIG_INVALID', `Invalid environment: ${read.problems.join('; ')}`);
  return settings;
}
