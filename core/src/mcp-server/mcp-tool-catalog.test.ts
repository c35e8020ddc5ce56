import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RegisteredToolInfo } from '../plugin-host/index.js';
import { McpToolCatalog, type McpToolSource } from './mcp-tool-catalog.js';

const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } as const;

function tool(name: string, overrides: Partial<RegisteredToolInfo> = {}): RegisteredToolInfo {
  return {
    exposedName: `weather__${name}`,
    plugin: 'weather',
    pluginVersion: '1.2.0',
    tool: name,
    description: `${name} for a city`,
    parameters: PARAMETERS,
    schemaFingerprint: 'abc',
    idempotent: false,
    available: true,
    ...overrides,
  };
}

/** A plugin host stand-in whose model tool list is rebuilt (a new array) whenever the tools change, as the registry does. */
function hostWith(tools: RegisteredToolInfo[]): McpToolSource & { set(next: RegisteredToolInfo[]): void; rebuild(): void } {
  let current = tools;
  let offered: unknown[] = [];
  return {
    listModelTools: () => offered,
    listTools: () => current,
    set(next) {
      current = next;
      offered = [];
    },
    rebuild() {
      offered = [];
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('McpToolCatalog', () => {
  it('lists the available tools with their validated schemas, the plugin behind them and the retry hint they declared', () => {
    const catalog = new McpToolCatalog(hostWith([tool('get_forecast', { idempotent: true }), tool('set_alert'), tool('get_radar', { available: false })]));
    expect(catalog.list()).toEqual([
      {
        name: 'weather__get_forecast',
        description: 'get_forecast for a city',
        inputSchema: PARAMETERS,
        annotations: { idempotentHint: true },
        _meta: { 'acai/plugin': 'weather', 'acai/plugin_version': '1.2.0', 'acai/tool': 'get_forecast' },
      },
      {
        name: 'weather__set_alert',
        description: 'set_alert for a city',
        inputSchema: PARAMETERS,
        _meta: { 'acai/plugin': 'weather', 'acai/plugin_version': '1.2.0', 'acai/tool': 'set_alert' },
      },
    ]);
  });

  it('tells every subscriber once when a tool disappears or comes back, and not when the list was only rebuilt', () => {
    vi.useFakeTimers();
    const host = hostWith([tool('get_forecast'), tool('set_alert')]);
    const catalog = new McpToolCatalog(host, { pollMs: 100 });
    const first = vi.fn();
    const second = vi.fn();
    catalog.onChange(first);
    catalog.onChange(second);

    host.rebuild();
    vi.advanceTimersByTime(250);
    expect(first).not.toHaveBeenCalled();

    host.set([tool('get_forecast'), tool('set_alert', { available: false })]);
    vi.advanceTimersByTime(100);
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(catalog.list().map((listed) => listed.name)).toEqual(['weather__get_forecast']);

    host.set([tool('get_forecast'), tool('set_alert')]);
    vi.advanceTimersByTime(100);
    expect(first).toHaveBeenCalledTimes(2);
  });

  it('notifies subscribers even when a tools/list noticed the change before the poll did', () => {
    vi.useFakeTimers();
    const host = hostWith([tool('get_forecast')]);
    const catalog = new McpToolCatalog(host, { pollMs: 1000 });
    const listener = vi.fn();
    catalog.onChange(listener);
    host.set([tool('get_forecast', { description: 'Forecast for up to 16 days' })]);
    expect(catalog.list()[0]?.description).toBe('Forecast for up to 16 days');
    expect(listener).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('stops polling when the last subscriber leaves', () => {
    vi.useFakeTimers();
    const host = hostWith([tool('get_forecast')]);
    const listModelTools = vi.spyOn(host, 'listModelTools');
    const catalog = new McpToolCatalog(host, { pollMs: 100 });
    const unsubscribe = catalog.onChange(() => {});
    vi.advanceTimersByTime(300);
    const polled = listModelTools.mock.calls.length;
    expect(polled).toBeGreaterThanOrEqual(3);
    unsubscribe();
    vi.advanceTimersByTime(1000);
    expect(listModelTools.mock.calls.length).toBe(polled);
  });
});
