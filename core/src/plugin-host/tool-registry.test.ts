import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import type { LoadedPlugin } from './loaded-plugin.js';
import { EXPOSED_NAME_PATTERN, exposedToolName, ToolRegistry, type RegisteredTool } from './tool-registry.js';

function tool(pluginName: string, toolName: string, isAvailable = true): RegisteredTool {
  const exposedName = exposedToolName(pluginName, toolName);
  const plugin = { name: pluginName, version: '1.0.0', isAvailable: () => isAvailable } as unknown as LoadedPlugin;
  const parameters = { type: 'object', properties: {}, required: [], additionalProperties: false } as const;
  return {
    exposedName,
    plugin,
    prepared: {
      name: toolName,
      description: toolName,
      parameters,
      looseParameters: parameters,
      idempotent: false,
      validate: (() => true) as never,
      toDeclaredArguments: (args) => args,
      fingerprint: '0'.repeat(16),
    },
    spec: { type: 'function', function: { name: exposedName, description: toolName, parameters, strict: true }, looseParameters: parameters },
    provenance: { plugin: pluginName, pluginVersion: '1.0.0', tool: toolName },
    metrics: { duration: {} as never, validationFailures: {} as never, outcomes: new Map() },
  };
}

describe('exposedToolName', () => {
  it('namespaces tools as <plugin>__<tool>', () => {
    expect(exposedToolName('weather', 'get_forecast')).toBe('weather__get_forecast');
  });

  it('shortens names longer than 64 characters with a stable hash', () => {
    const name = exposedToolName('a-very-long-plugin-name-for-tests', 'and_an_even_longer_tool_name_for_the_model_to_read');
    expect(name).toHaveLength(64);
    expect(name).toMatch(EXPOSED_NAME_PATTERN);
    expect(exposedToolName('a-very-long-plugin-name-for-tests', 'and_an_even_longer_tool_name_for_the_model_to_read')).toBe(name);
    expect(exposedToolName('a-very-long-plugin-name-for-tests', 'and_an_even_longer_tool_name_for_the_model_to_reaD')).not.toBe(name);
  });
});

function refusal(register: () => void): HostError | undefined {
  try {
    register();
  } catch (caught) {
    if (HostError.isInstance(caught)) return caught;
    throw caught;
  }
  return undefined;
}

const SOURCE = 'plugins.config.json › beta';

describe('ToolRegistry', () => {
  it('refuses a duplicate exposed name and keeps the first registration', () => {
    const registry = new ToolRegistry();
    const first = tool('alpha', 'get_item');
    registry.addAll([first], 'plugins.config.json › alpha');
    const error = refusal(() => registry.addAll([tool('beta', 'get_other'), { ...tool('alpha', 'get_item'), plugin: { name: 'alpha-copy', isAvailable: () => true } as never }], SOURCE));
    expect(error?.code).toBe('HOST_DUPLICATE_TOOL');
    expect(error?.message).toBe(
      'plugins.config.json › beta: tool "get_item" would be exposed as "alpha__get_item", which tool "get_item" of plugin alpha already uses. ' +
        'Disable one of the plugins or deny one of the tools in plugins.config.json.',
    );
    expect(registry.get('alpha__get_item')).toBe(first);
    expect(registry.get('beta__get_other')).toBeUndefined();
  });

  it('refuses a name claimed by a plugin still in setup, before the second plugin registers anything', () => {
    const registry = new ToolRegistry();
    const claimed = tool('alpha', 'get_item');
    registry.claim([claimed], 'plugins.config.json › alpha');
    expect(registry.get('alpha__get_item')).toBeUndefined();
    expect(refusal(() => registry.claim([{ ...tool('alpha', 'get_item') }], SOURCE))?.code).toBe('HOST_DUPLICATE_TOOL');
    // The claimant registers after its setup: claiming its own tools again is no collision.
    registry.addAll([claimed], 'plugins.config.json › alpha');
    expect(registry.get('alpha__get_item')).toBe(claimed);
  });

  it('lets another attempt claim the names a failed start released, and never releases registered tools', () => {
    const registry = new ToolRegistry();
    const failedAttempt = tool('alpha', 'get_item');
    registry.claim([failedAttempt], 'plugins.config.json › alpha');
    registry.release([failedAttempt]);
    const nextAttempt = tool('alpha', 'get_item');
    registry.addAll([nextAttempt], 'plugins.config.json › alpha');
    registry.release([nextAttempt, failedAttempt]);
    expect(registry.get('alpha__get_item')).toBe(nextAttempt);
    expect(refusal(() => registry.claim([tool('alpha', 'get_item')], SOURCE))?.code).toBe('HOST_DUPLICATE_TOOL');
  });

  it('refuses two tools of one batch that would share an exposed name, claiming neither', () => {
    const registry = new ToolRegistry();
    const error = refusal(() => registry.claim([tool('beta', 'get_item'), { ...tool('beta', 'get_item'), prepared: { ...tool('beta', 'get_item').prepared, name: 'get.item' } }], SOURCE));
    expect(error?.message).toContain('tool "get.item" would be exposed as "beta__get_item", which tool "get_item" of plugin beta already uses');
    registry.addAll([tool('gamma', 'get_item'), tool('beta', 'get_item')], 'plugins.config.json › gamma');
    expect(registry.names()).toEqual(['gamma__get_item', 'beta__get_item']);
  });

  it('refuses an exposed name the model API would reject', () => {
    const registry = new ToolRegistry();
    const invalid = { ...tool('beta', 'get_item'), exposedName: 'beta__get item' };
    expect(refusal(() => registry.addAll([invalid], SOURCE))?.code).toBe('HOST_PLUGIN_MANIFEST_INVALID');
    expect(registry.names()).toEqual([]);
  });

  it('describes a registered tool by its frozen provenance and nothing else', () => {
    const registry = new ToolRegistry();
    const registered = tool('alpha', 'get_item');
    registry.claim([tool('beta', 'get_other')], SOURCE);
    registry.addAll([registered], 'plugins.config.json › alpha');
    expect(registry.describe('alpha__get_item')).toBe(registered.provenance);
    expect(registry.describe('beta__get_other')).toBeUndefined();
    expect(registry.describe('nope')).toBeUndefined();
  });

  it('caches the model tool list until invalidated', () => {
    const registry = new ToolRegistry();
    let isAvailable = true;
    const plugin = { name: 'alpha', version: '1', isAvailable: () => isAvailable } as unknown as LoadedPlugin;
    registry.addAll([{ ...tool('alpha', 'get_item'), plugin }], 'plugins.config.json › alpha');
    const list = registry.modelToolList();
    expect(list).toHaveLength(1);
    isAvailable = false;
    expect(registry.modelToolList()).toBe(list);
    registry.invalidate();
    expect(registry.modelToolList()).toHaveLength(0);
  });
});
