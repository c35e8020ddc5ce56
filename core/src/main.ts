import { pathToFileURL } from 'node:url';
import { buildApp, HOST_VERSION, type AcaiApp } from './app.js';
import { acceptSlots } from './app/accept-slots.js';
import { LISTEN_BACKLOG } from './app/create-http-server.js';
import { applyHeapGrowth } from './app/heap-growth.js';
import { loadHostConfig, processEnvironment, type HostConfig } from './config/env-config.js';
import { HostError } from './errors/index.js';
import { installShutdown } from './health/index.js';
import { usesStrictTools } from './llm/index.js';
import { installUnhandledRejectionHandler, isolateLogStream, redactUrl, startMetricsServer, startTracing } from './observability/index.js';

/** Overrides for `acai serve` flags; anything unset comes from the environment. */
export interface StartHostOptions {
  port?: number;
  host?: string;
  pluginsConfigPath?: string;
  logLevel?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** A listening host. */
export interface RunningHost {
  readonly app: AcaiApp;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Process entry: load config → build the app → listen → shut down cleanly on signals. It owns the process:
 * besides the signal handlers, it moves the log stream off descriptor 1 (isolateLogStream), so what any
 * code in the process writes to stdout arrives as framed log lines instead of beside them.
 */
export async function startHost(options: StartHostOptions = {}): Promise<RunningHost> {
  const env = {
    ...(options.env ?? processEnvironment()),
    ...(options.port !== undefined ? { PORT: String(options.port) } : {}),
    ...(options.host !== undefined ? { HOST: options.host } : {}),
    ...(options.pluginsConfigPath !== undefined ? { PLUGINS_CONFIG: options.pluginsConfigPath } : {}),
    ...(options.logLevel !== undefined ? { LOG_LEVEL: options.logLevel } : {}),
  };
  const config = loadHostConfig(env);
  // First, so the heap of everything below grows by the product's rule (see app/heap-growth.ts).
  applyHeapGrowth(config.server.heapGrowthPercent);
  // Before anything that could load plugin code (tracing's exporters, the plugins themselves).
  const logStream = await isolateLogStream();
  const tracing = await startTracing({ serviceName: 'acai', serviceVersion: HOST_VERSION, env });
  const app = await buildApp(config, { env, ...(logStream.destination === undefined ? {} : { logDestination: logStream.destination }) });
  const { logger } = app;
  logStream.reportTo(logger.child({ component: 'stdout' }));
  installUnhandledRejectionHandler(logger, app.metrics);
  announceStartup(app, config, tracing.description);

  const metricsServer =
    config.server.metricsPort > 0 ? await startMetricsServer(app.metrics, config.server.metricsPort, config.server.host) : undefined;
  const slots = acceptSlots(app.server, logger);
  await app.server.listen({ port: config.server.port, host: config.server.host, backlog: LISTEN_BACKLOG });
  const acceptingSlots = await slots.open(config.server.acceptSlots, LISTEN_BACKLOG);
  const address = app.server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
  logger.info({ url, version: HOST_VERSION, acceptSlots: acceptingSlots }, 'acai host listening');

  const stopReloadTriggers = installPluginReloadTriggers(app, config);
  // Retention runs only in a serving host (never in tests or the CLI that build the app); app.close() stops it.
  app.retention.start();

  // The server stops accepting and drains first (installShutdown), then these run in order.
  const disposers = [
    { name: 'plugin reload triggers', dispose: stopReloadTriggers },
    { name: 'host (plugins, stores)', dispose: () => app.close() },
    { name: 'metrics server', dispose: () => metricsServer?.close() },
    { name: 'telemetry flush', dispose: () => tracing.shutdown() },
  ];
  const shutdown = installShutdown({ app: app.server, onShutdown: disposers, deadlineMs: config.server.shutdownDeadlineMs, logger });
  return {
    app,
    url,
    stop: async () => {
      await shutdown.shutdown('stop requested');
    },
  };
}

/**
 * Hot reload of plugins.config.json on SIGHUP (the Unix convention for "re-read your config") and,
 * unless PLUGINS_WATCH=false, when the file changes. The plugin host logs and counts each outcome;
 * a refused reload leaves the previous set serving. Returns the function that removes both triggers.
 */
function installPluginReloadTriggers(app: AcaiApp, config: HostConfig): () => void {
  const { logger } = app;
  const onHangUp = (): void => {
    logger.info({ file: config.pluginsConfigPath }, 'SIGHUP received: reloading plugins.config.json');
    // Rejections are logged by the plugin host ("plugin reload refused"); nothing else to do here.
    app.reloadPlugins('signal').catch(() => {});
  };
  process.on('SIGHUP', onHangUp);
  const watch = config.plugins.watchConfig ? app.watchPluginsConfig() : undefined;
  if (watch !== undefined) logger.info({ file: config.pluginsConfigPath, debounceMs: config.plugins.watchDebounceMs }, 'watching plugins.config.json for changes');
  return () => {
    process.off('SIGHUP', onHangUp);
    watch?.close();
  };
}

function announceStartup(app: AcaiApp, config: HostConfig, tracingDescription: string): void {
  const { logger } = app;
  if (config.auth.disabled) {
    logger.warn(
      '!!! AUTH_DISABLED=true: the API accepts every request as tenant "default" with all scopes. Never expose this host. !!!',
    );
  }
  if (!config.model.isConfigured) {
    logger.warn(
      'no model endpoint configured: the host serves health, metrics and tools, but chat requests fail with failed_precondition until OPENAI_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server) are set',
    );
  }
  logger.info(
    {
      store: app.store.kind,
      mongodb: config.mongodb.url ? redactUrl(config.mongodb.url) : undefined,
      cache: app.keyValueStore.kind,
      redis: config.redis.url ? redactUrl(config.redis.url) : undefined,
      dataDir: app.store.kind === 'embedded' ? config.dataDir : undefined,
      model: config.model.model,
      modelBaseURL: config.model.baseURL ? redactUrl(config.model.baseURL) : undefined,
      strictToolSchemas: usesStrictTools(config.model.strictTools, config.model.baseURL),
      tracing: tracingDescription,
      retentionDays: config.retention.defaultDays === 0 ? 'keep' : config.retention.defaultDays,
      retentionTenantDays: Object.keys(config.retention.tenantDays).length === 0 ? undefined : config.retention.tenantDays,
      plugins: app.pluginHost.listPlugins().map((plugin) => `${plugin.name}@${plugin.version ?? '?'} ${plugin.state}`),
    },
    'acai host configured',
  );
  for (const plugin of app.pluginHost.listPlugins()) {
    if (plugin.state === 'failed') logger.error({ plugin: plugin.name, error: plugin.error }, 'plugin failed to load; the host continues without it');
  }
}

// Started as a program (node core/dist/main.js), not imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  startHost().catch((error: unknown) => {
    const message = HostError.isInstance(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`acai: failed to start: ${message}\n`);
    process.exit(1);
  });
}
