import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChangeChannelListener } from '../cache/index.js';
import { HostError } from '../errors/index.js';
import type { PluginStatus } from '../plugin-host/index.js';
import type { EnabledOverrides, ReloadResult } from '../plugin-host/reload/index.js';
import { openOperatorStores, type OperatorActor, type OperatorStores, type PluginOverrideStore } from '../storage/operator/index.js';
import { OperatorState, type OverridablePluginHost, type OverrideChannel } from './operator-state.js';

const OPS: OperatorActor = { source: 'api_key', keyId: 'key_ops', tenantId: 'ops' };
const logger = pino({ enabled: false });

/** A plugin host with the two plugins `weather` and `holidays`, enabled in the file; overrides and breakers in memory. */
class FakePluginHost implements OverridablePluginHost {
  overrides: EnabledOverrides = new Map();
  readonly breakers = new Map<string, PluginStatus['breakerState']>([
    ['weather', 'closed'],
    ['holidays', 'closed'],
  ]);
  readonly reloads: string[] = [];
  /** Overrides the host refuses to load (a required plugin would fail). */
  refuses: (overrides: EnabledOverrides) => boolean = () => false;

  async setEnabled(pluginName: string, isEnabled: boolean): Promise<PluginStatus> {
    const next = new Map(this.overrides);
    next.set(pluginName, isEnabled);
    await this.applyOverrides(next, 'override');
    return this.#status(pluginName);
  }

  async applyOverrides(overrides: EnabledOverrides, trigger: 'sync' | 'override'): Promise<ReloadResult | undefined> {
    if (JSON.stringify([...overrides]) === JSON.stringify([...this.overrides])) return undefined;
    if (this.refuses(overrides)) throw new HostError('HOST_PLUGIN_REQUIRED_FAILED', 'Required plugin failed to load: weather');
    this.overrides = new Map(overrides);
    this.reloads.push(trigger);
    return { generation: this.reloads.length + 1, reloaded: [], added: [], removed: [], unchanged: [], failed: [], schemaChanges: [], configChanges: { added: [], removed: [], changed: [] }, skipped: false };
  }

  resetBreaker(pluginName: string): boolean {
    if (this.overrides.get(pluginName) === false) return false;
    this.breakers.set(pluginName, 'closed');
    return true;
  }

  breakerState(pluginName: string): PluginStatus['breakerState'] | undefined {
    return this.breakers.get(pluginName);
  }

  listPlugins(): readonly PluginStatus[] {
    return ['weather', 'holidays'].map((name) => this.#status(name));
  }

  #status(name: string): PluginStatus {
    const isOff = this.overrides.get(name) === false;
    return {
      name,
      version: '1.0.0',
      sdkRange: '^1.0.0',
      source: `package @acai/plugin-${name}`,
      mode: 'inline',
      kind: 'npm',
      required: false,
      startAttempts: { made: 1, max: 1 },
      state: isOff ? 'disabled' : 'loaded',
      tools: [],
      quarantinedTools: [],
      breakerState: this.breakers.get(name) ?? 'closed',
      calls: 0,
      errors: 0,
      lastError: undefined,
    };
  }
}

/** Redis pub/sub as every replica sees it: one message goes to every subscriber, the sender's too. */
class MemoryChannel {
  readonly #listeners = new Set<ChangeChannelListener>();
  connect(): OverrideChannel {
    let own: ChangeChannelListener | undefined;
    return {
      publish: async (message) => {
        for (const listener of this.#listeners) listener.onMessage(message);
      },
      subscribe: async (listener) => {
        own = listener;
        this.#listeners.add(listener);
        listener.onReady();
      },
      close: async () => {
        if (own !== undefined) this.#listeners.delete(own);
      },
    };
  }
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

function stores(): OperatorStores {
  const opened_ = openOperatorStores({ kind: 'sqlite', path: ':memory:' });
  opened.push(opened_);
  return opened_;
}

async function replica(store: PluginOverrideStore, options: { channel?: OverrideChannel; pollIntervalMs?: number; now?: () => Date; isStoreDown?: boolean } = {}) {
  const host = new FakePluginHost();
  const state = await OperatorState.start({ host, store, initialRecords: options.isStoreDown === true ? [] : await store.list(), channel: options.channel, pollIntervalMs: options.pollIntervalMs ?? 3_600_000, logger, ...(options.now ? { now: options.now } : {}) });
  opened.push(state);
  return { host, state };
}

describe('OperatorState', () => {
  it('applies a switch here, stores it with who and when, and another replica applies it when told', async () => {
    const { overrides } = stores();
    const channel = new MemoryChannel();
    const at = new Date('2025-04-01T12:00:00.000Z');
    const a = await replica(overrides, { channel: channel.connect(), now: () => at });
    const b = await replica(overrides, { channel: channel.connect() });

    const status = await a.state.setEnabled('weather', false, OPS);
    expect(status.state).toBe('disabled');
    expect(await overrides.list()).toEqual([{ plugin: 'weather', enabled: { value: false, actor: OPS, at } }]);
    expect(a.state.recordOf('weather')).toEqual({ plugin: 'weather', enabled: { value: false, actor: OPS, at } });
    await vi.waitFor(() => expect(b.host.overrides.get('weather')).toBe(false));
    expect(b.host.reloads).toEqual(['sync']);
    expect(b.state.recordOf('weather')?.enabled?.actor).toEqual(OPS);
    // the sender ignores its own notice: one reload each
    expect(a.host.reloads).toEqual(['override']);

    await b.state.clearOverride('weather');
    await vi.waitFor(() => expect(a.host.overrides.has('weather')).toBe(false));
    expect((await overrides.list())[0]?.enabled).toBeUndefined();
  });

  it('finds changes by polling the store when no notice arrives (no Redis, or a lost message)', async () => {
    const { overrides } = stores();
    const a = await replica(overrides);
    const b = await replica(overrides, { pollIntervalMs: 20 });
    await a.state.setEnabled('holidays', false, OPS);
    await vi.waitFor(() => expect(b.host.overrides.get('holidays')).toBe(false));
  });

  it('never stores a switch the host refused', async () => {
    const { overrides } = stores();
    const a = await replica(overrides);
    a.host.refuses = (next) => next.get('weather') === false;
    await expect(a.state.setEnabled('weather', false, OPS)).rejects.toMatchObject({ code: 'HOST_PLUGIN_REQUIRED_FAILED' });
    expect(await overrides.list()).toEqual([]);
    expect(a.host.overrides.size).toBe(0);
  });

  it('puts the host back and answers store-unavailable when the store cannot take the switch', async () => {
    const { overrides } = stores();
    const failing: PluginOverrideStore = { ...overrides, kind: overrides.kind, list: () => overrides.list(), clearEnabled: (plugin) => overrides.clearEnabled(plugin), recordBreakerReset: () => Promise.reject(new Error('connection refused')), setEnabled: () => Promise.reject(new Error('connection refused')) };
    const a = await replica(failing);
    await expect(a.state.setEnabled('weather', false, OPS)).rejects.toMatchObject({ code: 'HOST_STORE_UNAVAILABLE' });
    expect(a.host.overrides.get('weather')).toBeUndefined();
    await expect(a.state.resetBreaker('weather', OPS)).rejects.toMatchObject({ code: 'HOST_STORE_UNAVAILABLE', message: expect.stringContaining('reset on this replica') });
  });

  it('closes a breaker on every replica once per reset, and does not replay resets made before it started', async () => {
    const { overrides } = stores();
    await overrides.recordBreakerReset('weather', OPS, new Date('2025-01-01T00:00:00.000Z'));
    const channel = new MemoryChannel();
    const a = await replica(overrides, { channel: channel.connect() });
    const b = await replica(overrides, { channel: channel.connect() });
    b.host.breakers.set('weather', 'open');
    await b.state.sync();
    expect(b.host.breakerState('weather')).toBe('open');

    expect(await a.state.resetBreaker('weather', OPS)).toBe(true);
    await vi.waitFor(() => expect(b.host.breakerState('weather')).toBe('closed'));
    b.host.breakers.set('weather', 'open');
    await b.state.sync();
    expect(b.host.breakerState('weather')).toBe('open');
    expect(b.state.recordOf('weather')?.breakerReset?.actor).toEqual(OPS);
  });

  it('answers false for a breaker reset of a plugin that is not loaded here, and records nothing', async () => {
    const { overrides } = stores();
    const a = await replica(overrides);
    await a.state.setEnabled('holidays', false, OPS);
    expect(await a.state.resetBreaker('holidays', OPS)).toBe(false);
    expect((await overrides.list()).find((record) => record.plugin === 'holidays')?.breakerReset).toBeUndefined();
  });

  it('keeps its plugin set when the store cannot be read, and applies the store once it can', async () => {
    const { overrides } = stores();
    let isDown = true;
    const flaky: PluginOverrideStore = { ...overrides, kind: overrides.kind, setEnabled: (...args) => overrides.setEnabled(...args), clearEnabled: (plugin) => overrides.clearEnabled(plugin), recordBreakerReset: (...args) => overrides.recordBreakerReset(...args), list: () => (isDown ? Promise.reject(new Error('down')) : overrides.list()) };
    const b = await replica(flaky, { isStoreDown: true });
    await overrides.setEnabled('weather', false, OPS, new Date());
    await b.state.sync();
    expect(b.host.overrides.size).toBe(0);
    isDown = false;
    await b.state.sync();
    expect(b.host.overrides.get('weather')).toBe(false);
  });
});
