import { describe, expect, it } from 'vitest';
import type { PluginPackageJson } from '../manifest.js';
import { checkPluginDefinition } from './check-plugin-definition.js';
import { PluginCheckError } from './plugin-check-error.js';
import { preparePlugin } from './prepare-plugin.js';

const packageJson: PluginPackageJson = {
  name: 'echo',
  version: '1.0.0',
  peerDependencies: { '@acai/plugin-sdk': '^1.0.0' },
  acai: { entry: './index.js', sdkApi: '1', secrets: [{ key: 'apiKey', required: true }] },
};

const goodParameters = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false } as const;

const plugin = {
  name: 'echo',
  description: 'Echoes',
  configSchema: {
    type: 'object',
    properties: { apiKey: { type: 'string' }, units: { enum: ['metric', 'imperial'], default: 'metric' }, retries: { type: 'integer', minimum: 0 } },
    additionalProperties: false,
  },
  tools: [{ name: 'echo_text', description: 'echo', parameters: goodParameters, execute: () => 'x' }],
} as const;

function refusal(run: () => unknown): PluginCheckError {
  try {
    run();
  } catch (error) {
    if (PluginCheckError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a PluginCheckError');
}

describe('preparePlugin', () => {
  it('fills config defaults, freezes the config and fingerprints tools', () => {
    const prepared = preparePlugin(plugin, packageJson, { apiKey: 'sk-1234' }, 'echo');
    expect(prepared.config).toEqual({ apiKey: 'sk-1234', units: 'metric' });
    expect(Object.isFrozen(prepared.config)).toBe(true);
    expect(prepared.tools[0]?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(prepared.secretValues).toEqual(['sk-1234']);
  });

  it('reports every config error with its JSON pointer', () => {
    const error = refusal(() => preparePlugin(plugin, packageJson, { apiKey: 'k', units: 'kelvin', retries: -1, extra: true }, 'echo'));
    expect(error.code).toBe('PLUGIN_CONFIG_INVALID');
    expect(error.problems.map((problem) => problem.pointer).sort()).toEqual(['/extra', '/retries', '/units']);
    expect(error.message).toContain('/units: must be one of "metric", "imperial"');
  });

  it('refuses a plugin whose required secret is unset', () => {
    const error = refusal(() => preparePlugin(plugin, packageJson, {}, 'echo'));
    expect(error.code).toBe('PLUGIN_SECRET_MISSING');
    expect(error.message).toContain('"apiKey"');
  });

  it('refuses a tool schema that does not compile in strict mode', () => {
    const broken = { ...plugin, tools: [{ name: 'bad', description: 'd', parameters: { type: 'object', properties: { a: { type: 'strin' } } } }] };
    const error = refusal(() => preparePlugin(broken as never, packageJson, { apiKey: 'k' }, 'echo'));
    expect(error.code).toBe('PLUGIN_SCHEMA_INVALID');
    expect(error.message).toContain('"bad"');
  });

  it('quarantines only the tool that breaks the provider lint', () => {
    const lax = { name: 'lax_tool', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } };
    const prepared = preparePlugin({ ...plugin, tools: [...plugin.tools, lax] } as never, packageJson, { apiKey: 'k' }, 'echo');
    expect(prepared.tools.map((tool) => tool.name)).toEqual(['echo_text']);
    expect(prepared.quarantined[0]?.name).toBe('lax_tool');
    expect(prepared.quarantined[0]?.reason).toContain('additionalProperties');
  });
});

describe('checkPluginDefinition', () => {
  it('refuses duplicate tool names', () => {
    const duplicate = { ...plugin, tools: [plugin.tools[0], plugin.tools[0]] };
    expect(refusal(() => checkPluginDefinition(duplicate, 'echo')).code).toBe('DUPLICATE_TOOL');
  });

  it('refuses a default export that is not a plugin, listing every problem', () => {
    const error = refusal(() => checkPluginDefinition({ name: 'Bad Name', tools: [{ name: 'Get-Thing' }] }, 'echo'));
    expect(error.code).toBe('PLUGIN_MANIFEST_INVALID');
    expect(error.problems.map((problem) => problem.pointer)).toEqual(['/name', '/description', '/tools/0/name', '/tools/0/description', '/tools/0/parameters', '/tools/0/execute']);
  });
});
