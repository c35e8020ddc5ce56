import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { HOST_VERSION } from '../app.js';
import { MemoryKeyValueStore, RedisKeyValueStore, type KeyValueStore } from '../cache/index.js';
import { loadHostConfig, type HostConfig } from '../config/env-config.js';
import { loadPluginsConfig } from '../config/plugins-config.js';
import { createHostRuntimeFactory, loadPluginHost, type PluginHost } from '../plugin-host/index.js';
import type { CliIo } from './cli-io.js';
import { configErrorToCli } from './plugins-config-file.js';

/** The host's plugins, loaded in the CLI process. */
export interface LocalPluginHost {
  readonly host: PluginHost;
  readonly registry: Registry;
  readonly configPath: string;
  /** The host configuration the plugins were loaded with. */
  readonly hostConfig: HostConfig;
  /** The plugin cache's store (Redis when REDIS_URL is set), for other per-process parts such as tenant quotas. */
  readonly keyValueStore: KeyValueStore;
  close(): Promise<void>;
}

/**
 * Loads the plugin set the host would load from the same environment (PLUGINS_CONFIG, ACAI_DATA_DIR,
 * REDIS_URL for the plugin cache), the way buildApp does, so `acai tools` calls the very call path a
 * chat turn uses. `configFlag` overrides PLUGINS_CONFIG.
 */
export async function loadLocalPluginHost(io: CliIo, configFlag: string | undefined, logger: Logger): Promise<LocalPluginHost> {
  const env = { ...io.env, ...(configFlag !== undefined ? { PLUGINS_CONFIG: configFlag } : {}) };
  let keyValueStore: KeyValueStore | undefined;
  try {
    const config = loadHostConfig(env, io.cwd);
    const pluginsConfig = await loadPluginsConfig(config.pluginsConfigPath, env);
    keyValueStore = config.redis.url ? new RedisKeyValueStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix }) : new MemoryKeyValueStore();
    const registry = new Registry();
    const host = await loadPluginHost({
      config: pluginsConfig,
      configDir: dirname(config.pluginsConfigPath),
      dataDir: config.dataDir,
      hostVersion: HOST_VERSION,
      keyValueStore,
      logger,
      metricsRegistry: registry,
      // worker-mode plugins get the host's isolation here too (heap limit, hard deadline, allow-listed fetch)
      runtimeFactory: createHostRuntimeFactory(config.plugins.worker),
      sandbox: config.plugins.sandbox,
    });
    const store = keyValueStore;
    return {
      host,
      registry,
      configPath: config.pluginsConfigPath,
      hostConfig: config,
      keyValueStore: store,
      close: async () => {
        await host.dispose();
        await store.close();
      },
    };
  } catch (error) {
    await keyValueStore?.close();
    throw configErrorToCli(error);
  }
}
