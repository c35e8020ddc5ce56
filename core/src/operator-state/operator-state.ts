import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChangeChannelListener } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { PluginStatus } from '../plugin-host/index.js';
import type { EnabledOverrides, ReloadResult } from '../plugin-host/reload/index.js';
import type { OperatorActor, PluginOverrideRecord, PluginOverrideStore } from '../storage/operator/index.js';

/** The plugin host as operator state drives it (a ReloadablePluginHost fits). */
export interface OverridablePluginHost {
  readonly overrides: EnabledOverrides;
  setEnabled(pluginName: string, isEnabled: boolean): Promise<PluginStatus>;
  applyOverrides(overrides: EnabledOverrides, trigger: 'sync' | 'override'): Promise<ReloadResult | undefined>;
  resetBreaker(pluginName: string): boolean;
  breakerState(pluginName: string): PluginStatus['breakerState'] | undefined;
  listPlugins(): readonly PluginStatus[];
}

/** How replicas tell each other to re-read the store (Redis pub/sub); absent without Redis. */
export interface OverrideChannel {
  publish(message: string): Promise<void>;
  subscribe(listener: ChangeChannelListener): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link OperatorState.start}. */
export interface OperatorStateOptions {
  readonly host: OverridablePluginHost;
  readonly store: PluginOverrideStore;
  /** The records the first plugin set was loaded with (so breaker resets made before this start are not replayed). */
  readonly initialRecords: readonly PluginOverrideRecord[];
  readonly channel?: OverrideChannel | undefined;
  /** Re-read the store this often, whether or not a notice arrived (the fallback without Redis, or while it is down). */
  readonly pollIntervalMs: number;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** The `enabled` overrides a set of records asks for. */
export function overridesFrom(records: Iterable<PluginOverrideRecord>): Map<string, boolean> {
  const overrides = new Map<string, boolean>();
  for (const record of records) if (record.enabled !== undefined) overrides.set(record.plugin, record.enabled.value);
  return overrides;
}

/**
 * Operator switches that hold for every replica and across restarts. A change is applied on this replica
 * first (so a change the host refuses is never stored), then written to the store and announced on the
 * channel; every replica re-reads the store when told and on a timer, and applies what it finds. All
 * changes and syncs run one at a time, so a sync that read the store just before a local change cannot undo it.
 */
export class OperatorState {
  readonly #options: OperatorStateOptions;
  readonly #host: OverridablePluginHost;
  readonly #store: PluginOverrideStore;
  readonly #logger: Logger;
  readonly #now: () => Date;
  /** Tells this replica's own notices apart from the others'. */
  readonly #replicaId = randomUUID();
  #records: Map<string, PluginOverrideRecord>;
  /** The breaker reset of each plugin this replica has applied (or found at start), by its time in the store. */
  readonly #appliedResets = new Map<string, number>();
  #serial: Promise<unknown> = Promise.resolve();
  #pendingSync: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #isStoreFailing = false;
  #isClosed = false;

  private constructor(options: OperatorStateOptions) {
    this.#options = options;
    this.#host = options.host;
    this.#store = options.store;
    this.#logger = options.logger.child({ component: 'operator-state' });
    this.#now = options.now ?? (() => new Date());
    this.#records = new Map(options.initialRecords.map((record) => [record.plugin, record]));
    for (const record of options.initialRecords) if (record.breakerReset !== undefined) this.#appliedResets.set(record.plugin, record.breakerReset.at.getTime());
  }

  /** Subscribes to the channel (when there is one) and starts polling the store. */
  static async start(options: OperatorStateOptions): Promise<OperatorState> {
    const state = new OperatorState(options);
    if (options.channel !== undefined) {
      try {
        await options.channel.subscribe({
          onMessage: (message) => {
            if (state.#isFromOtherReplica(message)) void state.sync();
          },
          onReady: () => void state.sync(),
        });
      } catch (error) {
        state.#logger.warn({ err: error }, 'could not subscribe to operator change notices; replicas see changes by polling the store');
      }
    }
    state.#timer = setInterval(() => void state.sync(), options.pollIntervalMs);
    state.#timer.unref();
    return state;
  }

  /** What operators set for a plugin, as last read from the store or written here. */
  recordOf(pluginName: string): PluginOverrideRecord | undefined {
    return this.#records.get(pluginName);
  }

  /** Switches a plugin on or off on every replica, kept across restarts; `actor` is who did it. */
  setEnabled(pluginName: string, isEnabled: boolean, actor: OperatorActor): Promise<PluginStatus> {
    return this.#serially(async () => {
      const previous = this.#host.overrides;
      const status = await this.#host.setEnabled(pluginName, isEnabled);
      const at = this.#now();
      await this.#write(() => this.#store.setEnabled(pluginName, isEnabled, actor, at), previous);
      this.#records.set(pluginName, { ...this.#records.get(pluginName), plugin: pluginName, enabled: { value: isEnabled, actor, at } });
      this.#announce();
      return status;
    });
  }

  /** Removes the override, so plugins.config.json decides again (on every replica). */
  clearOverride(pluginName: string): Promise<PluginStatus> {
    return this.#serially(async () => {
      const previous = this.#host.overrides;
      const next = new Map(previous);
      next.delete(pluginName);
      await this.#host.applyOverrides(next, 'override');
      await this.#write(() => this.#store.clearEnabled(pluginName), previous);
      const { enabled: _cleared, ...rest } = this.#records.get(pluginName) ?? { plugin: pluginName };
      this.#records.set(pluginName, rest);
      this.#announce();
      return this.#status(pluginName);
    });
  }

  /**
   * Closes a plugin's breaker here and on every replica. False when the plugin is not loaded here.
   * Rejects with HOST_STORE_UNAVAILABLE when the reset could not be recorded for the other replicas
   * (it did happen on this one).
   */
  resetBreaker(pluginName: string, actor: OperatorActor): Promise<boolean> {
    return this.#serially(async () => {
      if (!this.#host.resetBreaker(pluginName)) return false;
      const at = this.#now();
      try {
        await this.#store.recordBreakerReset(pluginName, actor, at);
      } catch (error) {
        throw new HostError('HOST_STORE_UNAVAILABLE', `the breaker of ${pluginName} was reset on this replica, but the store could not record it for the others`, { cause: error });
      }
      this.#appliedResets.set(pluginName, at.getTime());
      this.#records.set(pluginName, { ...this.#records.get(pluginName), plugin: pluginName, breakerReset: { actor, at } });
      this.#announce();
      return true;
    });
  }

  /**
   * Re-reads the store and applies what it says: overrides (reloading only when the plugins in effect
   * change) and breaker resets made elsewhere. Concurrent requests share one pending sync.
   */
  sync(): Promise<void> {
    if (this.#isClosed) return Promise.resolve();
    this.#pendingSync ??= this.#serially(async () => {
      this.#pendingSync = undefined;
      await this.#syncNow();
    });
    return this.#pendingSync;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#timer);
    await this.#options.channel?.close();
    await this.#serial.catch(() => {});
  }

  async #syncNow(): Promise<void> {
    if (this.#isClosed) return;
    let records: PluginOverrideRecord[];
    try {
      records = await this.#store.list();
    } catch (error) {
      if (!this.#isStoreFailing) this.#logger.warn({ err: error }, 'cannot read operator overrides from the store; this replica keeps its current plugin set and retries');
      this.#isStoreFailing = true;
      return;
    }
    if (this.#isStoreFailing) this.#logger.info('operator overrides readable again');
    this.#isStoreFailing = false;
    this.#records = new Map(records.map((record) => [record.plugin, record]));
    try {
      const result = await this.#host.applyOverrides(overridesFrom(records), 'sync');
      if (result !== undefined) this.#logger.info({ generation: result.generation, added: result.added, removed: result.removed }, 'applied operator overrides set on another replica');
    } catch (error) {
      this.#logger.error({ err: error }, 'operator overrides from the store were refused here; this replica keeps its plugin set until they change');
    }
    for (const record of records) {
      const reset = record.breakerReset;
      if (reset === undefined || this.#appliedResets.get(record.plugin) === reset.at.getTime()) continue;
      this.#appliedResets.set(record.plugin, reset.at.getTime());
      if (this.#host.breakerState(record.plugin) !== 'closed' && this.#host.resetBreaker(record.plugin)) {
        this.#logger.info({ plugin: record.plugin, by: reset.actor }, 'closed a plugin breaker reset on another replica');
      }
    }
  }

  /** Writes to the store; on failure puts this replica's overrides back, so it does not disagree with the store. */
  async #write(write: () => Promise<unknown>, previous: EnabledOverrides): Promise<void> {
    try {
      await write();
    } catch (error) {
      await this.#host.applyOverrides(previous, 'override').catch(() => {});
      throw new HostError('HOST_STORE_UNAVAILABLE', 'the operator override could not be stored, so it was not applied', { cause: error });
    }
  }

  #announce(): void {
    const channel = this.#options.channel;
    if (channel === undefined) return;
    channel.publish(JSON.stringify({ from: this.#replicaId })).catch((error: unknown) => {
      this.#logger.debug({ err: error }, 'could not announce an operator change; other replicas see it on their next poll');
    });
  }

  #isFromOtherReplica(message: string): boolean {
    try {
      const parsed = JSON.parse(message) as { from?: unknown };
      return parsed.from !== this.#replicaId;
    } catch {
      return true;
    }
  }

  #status(pluginName: string): PluginStatus {
    const status = this.#host.listPlugins().find((plugin) => plugin.name === pluginName);
    if (status === undefined) throw new HostError('HOST_PLUGIN_NOT_FOUND', `No plugin named "${pluginName}" is configured in plugins.config.json.`, { meta: { plugin: pluginName } });
    return status;
  }

  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#serial.catch(() => {}).then(operation);
    this.#serial = run;
    return run;
  }
}
