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
    prepared: { name: toolName, description: toolName, parameters, idempotent: false, validate: (() => true) as never, fingerprint: '0'.repeat(16) },
    spec: { type: 'function', function: { name: exposedName, description: toolName, parameters, strict: true } },
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

describe('ToolRegistry', () => {
  it('refuses a duplicate exposed name and keeps the first registration', () => {
    const registry = new ToolRegistry();
    const first = tool('alpha', 'get_item');
    registry.addAll([first]);
    const error = (() => {
      try {
        registry.addAll([tool('beta', 'get_other'), { ...tool('alpha', 'get_item'), plugin: { name: 'alpha-copy', isAvailable: () => true } as never }]);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(HostError.isInstance(error) && error.code).toBe('HOST_DUPLICATE_TOOL');
    expect(registry.get('alpha__get_item')).toBe(first);
    expect(registry.get('beta__get_other')).toBeUndefined();
  });

  it('caches the model tool list until invalidated', () => {
    const registry = new ToolRegistry();
    let isAvailable = true;
    const plugin = { name: 'alpha', version: '1', isAvailable: () => isAvailable } as unknown as LoadedPlugin;
    registry.addAll([{ ...tool('alpha', 'get_item'), plugin }]);
    const list = registry.modelToolList();
    expect(list).toHaveLength(1);
    isAvailable = false;
    expect(registry.modelToolList()).toBe(list);
    registry.invalidate();
    expect(registry.modelToolList()).toHaveLength(0);
  });
});
