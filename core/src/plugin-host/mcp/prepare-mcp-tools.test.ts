import type { JsonSchema } from '@acai/plugin-sdk';
import { describe, expect, it } from 'vitest';
import type { RuntimeToolInfo } from '../plugin-runtime.js';
import { MAX_TOOL_DESCRIPTION_CHARACTERS, prepareMcpTools } from './prepare-mcp-tools.js';

function tool(name: string, parameters: unknown, description = `Tool ${name}`): RuntimeToolInfo {
  return { name, description, parameters: parameters as JsonSchema, idempotent: false };
}

const SOURCE = 'plugins.config.json › files (files-server@1.0.0)';

describe('prepareMcpTools', () => {
  it('prepares valid tools with both forms the model may see and a validator of the server’s own schema for the call path', () => {
    const inputSchema = { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query'] };
    const prepared = prepareMcpTools([tool('search', inputSchema)], SOURCE);
    expect(prepared.quarantined).toEqual([]);
    const [search] = prepared.tools;
    expect(search?.parameters).toMatchObject({ required: ['query', 'limit'], additionalProperties: false });
    expect(search?.looseParameters).toEqual(inputSchema);
    const accepts = (args: unknown) => search?.validate(search.toDeclaredArguments(args));
    // The strict form's null, and the loose form's absence, both mean "not given".
    expect(search?.toDeclaredArguments({ query: 'tea', limit: null })).toEqual({ query: 'tea' });
    expect(accepts({ query: 'tea', limit: null })).toBe(true);
    expect(accepts({ query: 'tea' })).toBe(true);
    expect(accepts({ query: 'tea', limit: 'ten' })).toBe(false);
    expect(accepts({ limit: 3 })).toBe(false);
    expect(search?.fingerprint).toMatch(/^[0-9a-f]+$/);
    expect(prepared.exposedSegments.get('search')).toBe('search');
  });

  it('quarantines only the bad tools, each with a reason naming the server, the tool and the problem', () => {
    const prepared = prepareMcpTools(
      [
        tool('good', { type: 'object' }),
        tool('not_json_schema', { type: 'object', properties: { count: { type: 'integer', minimum: 'zero' } } }),
        tool('open_object', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true }),
        tool('unknown_keyword', { type: 'object', properties: { a: { type: 'string', markdownDescription: 'x' } }, required: ['a'] }),
        tool('bad name with spaces', { type: 'object' }),
        tool('good', { type: 'object' }),
        tool('files.read', { type: 'object' }),
        tool('files_read', { type: 'object' }),
        tool('newer_dialect', { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' }),
      ],
      SOURCE,
    );
    expect(prepared.tools.map((prepared) => prepared.name)).toEqual(['good', 'files.read']);
    expect(prepared.exposedSegments.get('files.read')).toBe('files_read');
    const reasons = Object.fromEntries(prepared.quarantined.map((quarantined) => [quarantined.name, quarantined.reason]));
    expect(reasons['not_json_schema']).toBe(`${SOURCE}: tool "not_json_schema" is quarantined: its inputSchema is not a valid JSON Schema: data/properties/count/minimum must be number`);
    expect(reasons['open_object']).toContain('cannot be offered in OpenAI\'s strict function-calling mode: /additionalProperties: objects must set "additionalProperties": false');
    expect(reasons['unknown_keyword']).toContain('breaks the host\'s strict schema rules: strict mode: unknown keyword: "markdownDescription"');
    expect(reasons['bad name with spaces']).toContain('is not a valid MCP tool name');
    expect(reasons['good']).toContain('the server lists it more than once');
    expect(reasons['files_read']).toContain('would be exposed under the same name as tool "files.read" (files_read)');
    expect(reasons['newer_dialect']).toContain('is not a valid JSON Schema');
  });

  it('cuts oversized descriptions with a warning and shows hostile names escaped and short', () => {
    const prepared = prepareMcpTools([tool('wordy', { type: 'object' }, 'x'.repeat(100_000)), tool(`evil\n${'y'.repeat(500)}`, { type: 'object' })], SOURCE);
    expect(prepared.tools[0]?.description).toHaveLength(MAX_TOOL_DESCRIPTION_CHARACTERS);
    expect(prepared.warnings).toEqual([`${SOURCE}: the description of tool "wordy" was cut to ${MAX_TOOL_DESCRIPTION_CHARACTERS} characters`]);
    const hostile = prepared.quarantined[0];
    expect(hostile?.name.startsWith('evil\\n')).toBe(true);
    expect(hostile?.reason.length).toBeLessThan(400);
  });

  it('uses the tool name when the server gives no description', () => {
    expect(prepareMcpTools([tool('terse', { type: 'object' }, '  ')], SOURCE).tools[0]?.description).toBe('terse');
  });
});
