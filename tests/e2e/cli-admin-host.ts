// A host's plugin admin API (acai.admin.PluginService) for `--url` tests: the real admin service
// behind the real auth plugin, operating a ReloadablePluginHost that loads the given plugins.config.json
// with the real loader.
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PLUGIN_ADMIN_PATH_PREFIX, registerPluginAdminService } from '../../core/src/admin/index.js';
import { HOST_VERSION } from '../../core/src/app.js';
import { authPlugin, createAuthenticator, parseBootstrapKeys } from '../../core/src/auth/index.js';
import { MemoryKeyValueStore } from '../../core/src/cache/index.js';
import { createClientIpResolver } from '../../core/src/client-address/index.js';
import { loadPluginsConfig } from '../../core/src/config/plugins-config.js';
import { loadPluginHost } from '../../core/src/plugin-host/index.js';
import { ReloadablePluginHost } from '../../core/src/plugin-host/reload/index.js';

export const ADMIN_KEY = 'acai_cli_admin_key_0123456789abcdefgh';
export const CHAT_ONLY_KEY = 'acai_cli_chatonly_key_0123456789abcde';

export interface AdminTestHost {
  readonly url: string;
  readonly host: ReloadablePluginHost;
  readonly server: FastifyInstance;
  close(): Promise<void>;
}

export async function startAdminTestHost(configPath: string, dataDir: string): Promise<AdminTestHost> {
  const logger = pino({ enabled: false });
  const registry = new Registry();
  const keyValueStore = new MemoryKeyValueStore();
  const host = await ReloadablePluginHost.start({
    readConfig: () => loadPluginsConfig(configPath, {}),
    loadSet: (config) => loadPluginHost({ config, configDir: config.dir, dataDir, hostVersion: HOST_VERSION, keyValueStore, logger, metricsRegistry: registry }),
    logger,
    metricsRegistry: registry,
  });
  const server = Fastify();
  await server.register(authPlugin, {
    authenticator: createAuthenticator({ disabled: false, sources: [parseBootstrapKeys(`${ADMIN_KEY}:ops:admin,${CHAT_ONLY_KEY}:acme:chat`)] }),
    protect: [{ prefix: PLUGIN_ADMIN_PATH_PREFIX, scope: 'admin' }],
    clientIp: createClientIpResolver([]),
  });
  await registerPluginAdminService(server, { host });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    host,
    server,
    close: async () => {
      await server.close();
      await host.dispose();
    },
  };
}
