import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { HOST_VERSION } from '../../app.js';
import { MemoryKeyValueStore } from '../../cache/index.js';
import type { PluginsConfig } from '../../config/plugins-config.js';
import { loadPluginHost, type PluginHost, type PluginRuntimeFactory } from '../../plugin-host/index.js';
import { createPluginRuntimeFactory } from '../../plugin-host/worker/index.js';

/**
 * What checking plugins outside a running host needs: a throwaway data folder (tarballs are extracted
 * there, never into the host's), an in-memory cache and a private metrics registry. `dispose` removes
 * the folder and every plugin host loaded through it.
 */
export class InspectionWorkspace {
  readonly hostVersion = HOST_VERSION;
  readonly registry = new Registry();
  private readonly hosts: PluginHost[] = [];

  private constructor(
    readonly dataDir: string,
    readonly logger: Logger,
  ) {}

  static async create(logger: Logger): Promise<InspectionWorkspace> {
    return new InspectionWorkspace(await mkdtemp(join(tmpdir(), 'acai-cli-')), logger);
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
      runtimeFactory: runtimeFactory ?? createPluginRuntimeFactory(),
    });
    this.hosts.push(host);
    return host;
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.hosts.splice(0).map((host) => host.dispose()));
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
