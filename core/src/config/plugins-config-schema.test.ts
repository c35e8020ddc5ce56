import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSchemaCompiler } from '@acai/plugin-sdk/host';
import { describe, expect, it } from 'vitest';
import { PLUGINS_CONFIG_SCHEMA_FILE, pluginsConfigSchema, renderPluginsConfigSchema } from './plugins-config-schema.js';

const repositoryConfig = fileURLToPath(new URL('../../../plugins.config.json', import.meta.url));

describe('the plugins.config.json schema', () => {
  it('is published for editors exactly as the host validates it (regenerate with npx tsx core/scripts/write-plugins-config-schema.ts)', async () => {
    const published = await readFile(PLUGINS_CONFIG_SCHEMA_FILE, 'utf8');
    expect(published).toBe(renderPluginsConfigSchema());
    expect(JSON.parse(published)).toEqual(pluginsConfigSchema);
  });

  it('is the file the repository plugins.config.json names in "$schema", so editors autocomplete it', async () => {
    const document = JSON.parse(await readFile(repositoryConfig, 'utf8')) as { $schema?: string };
    expect(document.$schema).toBeDefined();
    expect(resolve(dirname(repositoryConfig), document.$schema ?? '')).toBe(fileURLToPath(PLUGINS_CONFIG_SCHEMA_FILE));
  });

  it('compiles under the strict Ajv options every Acai check uses', () => {
    expect(() => createSchemaCompiler().compile(pluginsConfigSchema)).not.toThrow();
  });

  it('gives a plugin policy the same limits as defaults.policy, and defaults only to the latter', () => {
    const { policy, policyWithDefaults } = pluginsConfigSchema.definitions;
    const limits = (schema: object): unknown => JSON.parse(JSON.stringify(schema, (key, value: unknown) => (key === 'default' || key === 'description' ? undefined : value)));
    expect(limits(policy)).toEqual(limits(policyWithDefaults));
    expect(JSON.stringify(policy)).not.toContain('"default"');
  });
});
