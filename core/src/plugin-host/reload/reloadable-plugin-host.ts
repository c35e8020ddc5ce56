import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { PluginEntryConfig, PluginsConfig } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';
import type { ToolCallOptions, ToolCallResult, ToolProvenance } from '../../tool-calls/index.js';
import type { LoadReport, PluginHost, PluginStatus } from '../load-plugin-host.js';
import { diffToolSchemas, snapshotToolSchemas, type ToolSchemaChange, type ToolSchemaLedger, type ToolSchemaSnapshot } from '../tool-schema-changes.js';
import { DEFAULT_TOOLS_CHANGED_RELOAD, ReloadThrottle, type ReloadThrottleOptions } from './reload-throttle.js';
import { watchConfigFile, type ConfigFileWatch } from './watch-config-file.js';

/** What started a reload (`tools_changed`: an MCP server's tools changed). */
export type ReloadTrigger = 'file' | 'signal' | 'admin' | 'enable' | 'disable' | 'rollback' | 'tools_changed';

/** What a successful reload changed, by plugin name. */
export interface ReloadResult {
  /** The generation now serving. */
  readonly generation: number;
  /** Version, source, mode, config or policy changed: a new instance replaced the old one. */
  readonly reloaded: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Same settings as before (started anew alongside the old instance all the same). */
  readonly unchanged: readonly string[];
  /** Optional plugins that failed to load and were left out. */
  readonly failed: readonly string[];
  /** Tools whose parameter schema changed since they were last loaded. */
  readonly schemaChanges: readonly ToolSchemaChange[];
}

/** Options of {@link ReloadablePluginHost}. */
export interface ReloadablePluginHostOptions {
  /** Loads a complete plugin set (normally `loadPluginHost` with the host's fixed options and this config). */
  readonly loadSet: (config: PluginsConfig) => Promise<PluginHost>;
  /** Reads and validates plugins.config.json anew (throws HOST_CONFIG_INVALID). */
  readonly readConfig: () => Promise<PluginsConfig>;
  readonly logger: Logger;
  /** Counters `acai_plugin_reloads_total{trigger,outcome}` and `acai_plugin_rollbacks_total{plugin}` go here. */
  readonly metricsRegistry?: Registry;
  /** How long retired instances may take to finish their in-flight calls before they are disposed anyway. Default 60 s. */
  readonly maxDrainMs?: number;
  /**
   * Automatic rollback: when a plugin whose version changed in a reload trips its breaker within
   * `windowMs`, the previous plugin set is restored. Off when undefined.
   */
  readonly autoRollback?: { readonly windowMs: number; readonly checkEveryMs?: number };
  /** Where the last loaded tool schemas are kept, so schema changes are reported across restarts too. */
  readonly schemaLedger?: ToolSchemaLedger;
  /** Spacing of the reloads MCP servers ask for ({@link ReloadablePluginHost.requestToolsReload}). */
  readonly toolsChangedReload?: ReloadThrottleOptions;
}

interface Generation {
  readonly number: number;
  readonly host: PluginHost;
  /** The config as loaded (with enable/disable overrides applied). */
  readonly config: PluginsConfig;
  inFlight: number;
  idleWaiters: Array<() => void>;
}

const DEFAULT_MAX_DRAIN_MS = 60_000;

/**
 * A {@link PluginHost} whose plugin set can be replaced while it serves calls. A reload loads and
 * checks the complete new set first; if that fails (a required plugin fails, the config is invalid)
 * the old set keeps serving and the error is reported. Otherwise the new set takes every new call at
 * once, calls already running finish on the old instances, and the old set is disposed when they are done.
 * Reloads run one at a time; requests arriving during one are coalesced into the next.
 */
export class ReloadablePluginHost implements PluginHost {
  readonly #options: ReloadablePluginHostOptions;
  readonly #logger: Logger;
  readonly #overrides = new Map<string, boolean>();
  readonly #reloads: Counter<'trigger' | 'outcome'> | undefined;
  readonly #rollbacks: Counter<'plugin'> | undefined;
  readonly #schemaChanges: Counter<'plugin' | 'announced'> | undefined;
  /** The newest schema of every tool seen so far, including tools of plugins switched off since. */
  #seenSchemas: ToolSchemaSnapshot = new Map();
  #startupSchemaChanges: readonly ToolSchemaChange[] = [];
  #ledgerWrites: Promise<void> = Promise.resolve();
  #current: Generation;
  #sourceConfig: PluginsConfig;
  #running: Promise<unknown> = Promise.resolve();
  #queued: { trigger: ReloadTrigger; promise: Promise<ReloadResult> } | undefined;
  #rollbackWatch: NodeJS.Timeout | undefined;
  #retiring = new Set<Promise<void>>();
  #isDisposed = false;
  #rollbackCount = 0;
  #toolsReloads: ReloadThrottle | undefined;
  /** Plugins whose tools changed since the last tools_changed reload started. */
  readonly #toolsChangedBy = new Set<string>();

  private constructor(options: ReloadablePluginHostOptions, first: Generation) {
    this.#options = options;
    this.#logger = options.logger;
    this.#current = first;
    this.#sourceConfig = first.config;
    const registry = options.metricsRegistry;
    this.#reloads =
      registry === undefined
        ? undefined
        : ((registry.getSingleMetric('acai_plugin_reloads_total') as Counter<'trigger' | 'outcome'> | undefined) ??
          new Counter({ name: 'acai_plugin_reloads_total', help: 'Plugin set reloads by trigger and outcome.', labelNames: ['trigger', 'outcome'], registers: [registry] }));
    this.#rollbacks =
      registry === undefined
        ? undefined
        : ((registry.getSingleMetric('acai_plugin_rollbacks_total') as Counter<'plugin'> | undefined) ??
          new Counter({ name: 'acai_plugin_rollbacks_total', help: 'Automatic rollbacks after a new plugin version tripped its breaker.', labelNames: ['plugin'], registers: [registry] }));
    this.#schemaChanges =
      registry === undefined
        ? undefined
        : ((registry.getSingleMetric('acai_tool_schema_changes_total') as Counter<'plugin' | 'announced'> | undefined) ??
          new Counter({
            name: 'acai_tool_schema_changes_total',
            help: 'Tool parameter schemas that changed on a reload or restart; announced="false" when the plugin did not bump its major version.',
            labelNames: ['plugin', 'announced'],
            registers: [registry],
          }));
  }

  /** Loads the initial plugin set from `readConfig()` (or the given config) and starts serving it. */
  static async start(options: ReloadablePluginHostOptions, initialConfig?: PluginsConfig): Promise<ReloadablePluginHost> {
    const config = initialConfig ?? (await options.readConfig());
    const host = await options.loadSet(config);
    const reloadable = new ReloadablePluginHost(options, { number: 1, host, config, inFlight: 0, idleWaiters: [] });
    const recorded = (await options.schemaLedger?.read()) ?? new Map();
    reloadable.#startupSchemaChanges = reloadable.#detectSchemaChanges(recorded, 'restart');
    await reloadable.#recordSchemas();
    return reloadable;
  }

  /** Tool schema changes against the schemas recorded by the previous run (empty without a ledger). */
  get startupSchemaChanges(): readonly ToolSchemaChange[] {
    return this.#startupSchemaChanges;
  }

  /** Increments on every successful reload (1 for the initial set). */
  get generation(): number {
    return this.#current.number;
  }

  /** Automatic rollbacks performed so far. */
  get rollbackCount(): number {
    return this.#rollbackCount;
  }

  // --- PluginHost, served by the current generation --------------------------------------------------

  listModelTools() {
    return this.#current.host.listModelTools();
  }

  listTools() {
    return this.#current.host.listTools();
  }

  /** The current generation's answer, so a span opened after a reload names the new plugin version. */
  describeTool(exposedName: string): ToolProvenance | undefined {
    return this.#current.host.describeTool(exposedName);
  }

  async callTool(exposedName: string, rawArguments: unknown, options?: Partial<ToolCallOptions>): Promise<ToolCallResult> {
    // The generation is pinned when the call starts: a reload mid-call lets it finish where it began.
    const generation = this.#current;
    generation.inFlight += 1;
    try {
      return await generation.host.callTool(exposedName, rawArguments, options);
    } finally {
      generation.inFlight -= 1;
      if (generation.inFlight === 0 && generation.idleWaiters.length > 0) {
        const waiters = generation.idleWaiters;
        generation.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** Every configured plugin, including those switched off with {@link setEnabled}. */
  listPlugins(): readonly PluginStatus[] {
    return this.#current.host.listPlugins();
  }

  loadReport(): LoadReport {
    return this.#current.host.loadReport();
  }

  resetBreaker(pluginName: string): boolean {
    return this.#current.host.resetBreaker(pluginName);
  }

  breakerState(pluginName: string): PluginStatus['breakerState'] | undefined {
    return this.#current.host.breakerState(pluginName);
  }

  async dispose(): Promise<void> {
    if (this.#isDisposed) return;
    this.#isDisposed = true;
    clearInterval(this.#rollbackWatch);
    this.#toolsReloads?.dispose();
    await this.#running.catch(() => {});
    await Promise.all([...this.#retiring]);
    await this.#ledgerWrites;
    await this.#current.host.dispose();
  }

  // --- reloads ----------------------------------------------------------------------------------------

  /**
   * Re-reads plugins.config.json and swaps in the new set. Rejects (and keeps the old set serving)
   * when the config is invalid or a required plugin fails.
   */
  reload(trigger: ReloadTrigger = 'admin'): Promise<ReloadResult> {
    if (this.#queued !== undefined) return this.#queued.promise;
    const promise = this.#running.catch(() => {}).then(() => {
      if (this.#queued?.promise === promise) this.#queued = undefined;
      return this.#reloadNow(trigger, async () => this.#options.readConfig());
    });
    this.#queued = { trigger, promise };
    this.#running = promise;
    return promise;
  }

  /**
   * Switches a plugin on or off (the admin API's Enable/DisablePlugin) by reloading the current config
   * with that override; the override survives later reloads until changed again.
   */
  async setEnabled(pluginName: string, isEnabled: boolean): Promise<PluginStatus> {
    if (!this.#sourceConfig.plugins.some((entry) => entry.name === pluginName)) {
      throw new HostError('HOST_PLUGIN_NOT_FOUND', `No plugin named "${pluginName}" is configured in plugins.config.json.`, { meta: { plugin: pluginName } });
    }
    const previous = this.#overrides.get(pluginName);
    this.#overrides.set(pluginName, isEnabled);
    const run = this.#running.catch(() => {}).then(() => this.#reloadNow(isEnabled ? 'enable' : 'disable', async () => this.#sourceConfig));
    this.#running = run;
    try {
      await run;
    } catch (error) {
      if (previous === undefined) this.#overrides.delete(pluginName);
      else this.#overrides.set(pluginName, previous);
      throw error;
    }
    const status = this.listPlugins().find((plugin) => plugin.name === pluginName);
    if (status === undefined) throw new HostError('HOST_INTERNAL', `plugin ${pluginName} vanished during the reload`);
    return status;
  }

  /** Reloads whenever the config file changes (debounced). */
  watchConfigFile(path: string, debounceMs?: number): ConfigFileWatch {
    return watchConfigFile(
      path,
      () => {
        this.reload('file').catch(() => {
          // already logged and counted by the reload; the old set keeps serving
        });
      },
      { ...(debounceMs === undefined ? {} : { debounceMs }), onError: (error) => this.#logger.warn({ err: error }, 'plugins.config.json watch failed') },
    );
  }

  /**
   * An MCP server's tools changed (tools/list_changed, or other tools after a restart): the plugin set is
   * reloaded through the same checks as a config change, debounced and at most once per interval, so a
   * flapping server cannot reload-storm the host. A refused reload keeps the current set, as always.
   */
  requestToolsReload(pluginName: string): void {
    if (this.#isDisposed) return;
    this.#toolsChangedBy.add(pluginName);
    this.#toolsReloads ??= new ReloadThrottle(() => {
      const plugins = [...this.#toolsChangedBy];
      this.#toolsChangedBy.clear();
      this.#logger.info({ plugins }, 'reloading the plugin set because MCP server tools changed');
      return this.reload('tools_changed');
    }, this.#options.toolsChangedReload ?? DEFAULT_TOOLS_CHANGED_RELOAD);
    if (this.#toolsReloads.request() === 'coalesced') this.#logger.debug({ plugin: pluginName }, 'tools change joins the reload already scheduled');
  }

  async #reloadNow(trigger: ReloadTrigger, readConfig: () => Promise<PluginsConfig>): Promise<ReloadResult> {
    if (this.#isDisposed) throw new HostError('HOST_INTERNAL', 'the plugin host is shut down');
    let sourceConfig: PluginsConfig;
    let next: PluginHost;
    try {
      sourceConfig = await readConfig();
      next = await this.#options.loadSet(this.#applyOverrides(sourceConfig));
    } catch (error) {
      this.#reloads?.labels(trigger, 'refused').inc();
      this.#logger.error({ err: error, trigger, generation: this.#current.number }, 'plugin reload refused; the previous plugin set keeps serving');
      throw error;
    }
    const previous = this.#current;
    const generation: Generation = { number: previous.number + 1, host: next, config: this.#applyOverrides(sourceConfig), inFlight: 0, idleWaiters: [] };
    this.#current = generation;
    this.#sourceConfig = sourceConfig;
    this.#retire(previous);
    const schemaChanges = this.#detectSchemaChanges(this.#seenSchemas, trigger);
    const result = { ...this.#describe(previous, generation), schemaChanges };
    this.#reloads?.labels(trigger, 'ok').inc();
    this.#logger.info({ trigger, ...result }, 'plugin set reloaded');
    if (trigger !== 'rollback') this.#watchForRollback(previous, generation, result);
    // The ledger is only advisory: written in the background, one write at a time, awaited by dispose().
    this.#ledgerWrites = this.#ledgerWrites.then(() => this.#recordSchemas());
    return result;
  }

  #applyOverrides(config: PluginsConfig): PluginsConfig {
    if (this.#overrides.size === 0) return config;
    return {
      ...config,
      plugins: config.plugins.map((entry) => {
        const isEnabled = this.#overrides.get(entry.name);
        return isEnabled === undefined || isEnabled === entry.enabled ? entry : { ...entry, enabled: isEnabled };
      }),
    };
  }

  /** Lets the old set finish its in-flight calls, then disposes it. */
  #retire(generation: Generation): void {
    const retired = (async () => {
      if (generation.inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => generation.idleWaiters.push(resolve)),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.#options.maxDrainMs ?? DEFAULT_MAX_DRAIN_MS);
          }),
        ]);
        clearTimeout(timer);
      }
      try {
        await generation.host.dispose();
      } catch (error) {
        this.#logger.warn({ err: error, generation: generation.number }, 'disposing the previous plugin set failed');
      }
    })();
    this.#retiring.add(retired);
    void retired.finally(() => this.#retiring.delete(retired));
  }

  /** Resolves once every retired plugin set has been disposed (for tests and orderly shutdown). */
  async whenRetired(): Promise<void> {
    while (this.#retiring.size > 0) await Promise.all([...this.#retiring]);
  }

  #describe(previous: Generation, next: Generation): Omit<ReloadResult, 'schemaChanges'> {
    const before = new Map(previous.config.plugins.filter((entry) => entry.enabled).map((entry) => [entry.name, entry]));
    const statuses = new Map(next.host.listPlugins().map((status) => [status.name, status]));
    const previousVersions = new Map(previous.host.listPlugins().map((status) => [status.name, status.version]));
    const reloaded: string[] = [];
    const added: string[] = [];
    const unchanged: string[] = [];
    const failed: string[] = [];
    for (const entry of next.config.plugins) {
      if (!entry.enabled) continue;
      const status = statuses.get(entry.name);
      if (status?.state === 'failed') {
        failed.push(entry.name);
        continue;
      }
      const old = before.get(entry.name);
      if (old === undefined) added.push(entry.name);
      else if (fingerprint(old) !== fingerprint(entry) || previousVersions.get(entry.name) !== status?.version) reloaded.push(entry.name);
      else unchanged.push(entry.name);
    }
    const enabledNow = new Set(next.config.plugins.filter((entry) => entry.enabled).map((entry) => entry.name));
    const removed = [...before.keys()].filter((name) => !enabledNow.has(name));
    return { generation: next.number, reloaded, added, removed, unchanged, failed };
  }

  /**
   * Compares the current set's tool schemas with `previous`, reports every change (a warning when the
   * plugin changed parameters without a major version bump), and remembers the current schemas.
   */
  #detectSchemaChanges(previous: ToolSchemaSnapshot, trigger: ReloadTrigger | 'restart'): ToolSchemaChange[] {
    const current = snapshotToolSchemas(this.#current.host.listTools());
    const changes = diffToolSchemas(previous, current);
    for (const change of changes) {
      this.#schemaChanges?.labels(change.plugin, String(change.isMajorBump)).inc();
      const details = { trigger, tool: change.exposedName, plugin: change.plugin, fromVersion: change.fromVersion, toVersion: change.toVersion };
      if (change.isMajorBump) this.#logger.info(details, 'tool parameters changed with a major version bump');
      else this.#logger.warn(details, 'tool parameters changed without a major version bump: callers that learned the old schema may break');
    }
    this.#seenSchemas = new Map([...previous, ...current]);
    return changes;
  }

  /** Writes the schemas seen so far to the ledger, so the next start compares against them. */
  async #recordSchemas(): Promise<void> {
    try {
      await this.#options.schemaLedger?.write(this.#seenSchemas);
    } catch (error) {
      this.#logger.warn({ err: error }, 'could not record the loaded tool schemas; schema changes across restarts go unreported');
    }
  }

  /** Optional automatic rollback: a plugin with a new version that opens its breaker soon after the reload. */
  #watchForRollback(previous: Generation, next: Generation, result: ReloadResult): void {
    const settings = this.#options.autoRollback;
    clearInterval(this.#rollbackWatch);
    if (settings === undefined) return;
    const previousVersions = new Map(previous.host.listPlugins().map((status) => [status.name, status.version]));
    const watched = next.host
      .listPlugins()
      .filter((status) => status.state === 'loaded' && previousVersions.has(status.name) && previousVersions.get(status.name) !== status.version)
      .map((status) => status.name);
    if (watched.length === 0 || result.generation !== next.number) return;
    const endsAt = Date.now() + settings.windowMs;
    const timer = setInterval(() => {
      if (this.#current !== next || Date.now() > endsAt) {
        clearInterval(timer);
        return;
      }
      const tripped = next.host.listPlugins().find((status) => watched.includes(status.name) && status.breakerState === 'open');
      if (tripped === undefined) return;
      clearInterval(timer);
      this.#rollbackCount += 1;
      this.#rollbacks?.labels(tripped.name).inc();
      this.#logger.warn(
        { plugin: tripped.name, version: tripped.version, previousVersion: previousVersions.get(tripped.name), windowMs: settings.windowMs },
        'new plugin version tripped its breaker soon after the reload; rolling back to the previous plugin set',
      );
      const previousSource = previous.config;
      const run = this.#running.catch(() => {}).then(() => this.#reloadNow('rollback', async () => previousSource));
      this.#running = run;
      run.catch(() => {});
    }, settings.checkEveryMs ?? 250);
    timer.unref();
    this.#rollbackWatch = timer;
  }
}

/** What decides whether a plugin entry "changed" between two configs. */
function fingerprint(entry: PluginEntryConfig): string {
  return JSON.stringify([
    entry.source,
    entry.version,
    entry.mode,
    entry.config,
    entry.policy,
    entry.tools,
    entry.network,
    // A changed grant or sandbox choice restarts the plugin under it.
    entry.sandbox,
    entry.permissions,
    entry.grantedEnvironment,
  ]);
}
