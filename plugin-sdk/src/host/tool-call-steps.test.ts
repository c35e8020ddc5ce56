import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../schema-types.js';
import { ToolError } from '../tool-error.js';
import { createSchemaCompiler } from './create-schema-compiler.js';
import type { PreparedTool } from './prepare-plugin.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import {
  capToolOutput,
  checkToolArguments,
  createSecretScrubber,
  formatToolFailure,
  normalizeToolOutput,
  parseToolArguments,
  toToolFailure,
} from './tool-call-steps.js';
import { formsOfStrictSchema } from './tool-schema-forms.js';

const parameters = {
  type: 'object',
  properties: { location: { type: 'string', minLength: 1 }, days: { type: 'integer', minimum: 1, maximum: 10 } },
  required: ['location', 'days'],
  additionalProperties: false,
} as const;
function preparedTool(name: string, schema: JsonSchema): PreparedTool {
  const forms = formsOfStrictSchema(schema);
  return {
    name,
    description: name,
    parameters: forms.strict,
    looseParameters: forms.loose,
    idempotent: true,
    validate: createSchemaCompiler().compile(forms.declared as object),
    toDeclaredArguments: forms.toDeclaredArguments,
    fingerprint: schemaFingerprint(schema),
  };
}
const tool = preparedTool('get_forecast', parameters);

describe('argument checks', () => {
  it('refuses unparsable JSON as INVALID_INPUT', () => {
    const parsed = parseToolArguments('get_forecast', '{"location":');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.failure.code).toBe('INVALID_INPUT');
    expect(parseToolArguments('x', '')).toEqual({ ok: true, value: {} });
  });

  it('lists every validation error with its pointer in a model-fixable message', () => {
    expect(checkToolArguments(tool, { days: 11, unit: 'c' })).toEqual({
      ok: false,
      failure: {
        code: 'INVALID_INPUT',
        message:
          'Invalid arguments for tool "get_forecast": /location: is required but missing; /unit: is not an allowed property (remove it); /days: must be <= 10. Correct the arguments and call the tool again.',
      },
    });
    expect(checkToolArguments(tool, { location: 'Paris', days: 3 })).toEqual({ ok: true, value: { location: 'Paris', days: 3 } });
  });

  it('takes an optional (nullable) argument left out as null, and still refuses a wrong type readably', () => {
    const currentTime = preparedTool('get_current_time', {
      type: 'object',
      properties: { time_zone: { type: ['string', 'null'] } },
      required: ['time_zone'],
      additionalProperties: false,
    });
    expect(checkToolArguments(currentTime, {})).toEqual({ ok: true, value: { time_zone: null } });
    expect(checkToolArguments(currentTime, { time_zone: null })).toEqual({ ok: true, value: { time_zone: null } });
    expect(checkToolArguments(currentTime, { time_zone: 42 })).toEqual({
      ok: false,
      failure: {
        code: 'INVALID_INPUT',
        message: 'Invalid arguments for tool "get_current_time": /time_zone: must be string,null. Correct the arguments and call the tool again.',
      },
    });
    expect(checkToolArguments(currentTime, [])).toMatchObject({ ok: false, failure: { message: expect.stringContaining('must be object') } });
  });
});

describe('outputs and failures', () => {
  it('normalizes strings and { content, data } and rejects anything else', () => {
    expect(normalizeToolOutput('hi')).toEqual({ content: 'hi' });
    expect(normalizeToolOutput({ content: 'hi', data: { a: 1 } })).toEqual({ content: 'hi', data: { a: 1 } });
    expect(normalizeToolOutput(42)).toMatchObject({ code: 'INTERNAL' });
  });

  it('keeps ToolError codes and turns other throws into INTERNAL', () => {
    expect(toToolFailure(new ToolError('NOT_FOUND', 'no such city', { details: { city: 'X' } }))).toEqual({
      code: 'NOT_FOUND',
      message: 'no such city',
      details: { city: 'X' },
    });
    expect(toToolFailure(new TypeError('boom'))).toMatchObject({ code: 'INTERNAL' });
    expect(JSON.parse(formatToolFailure({ code: 'TIMEOUT', message: 'slow' }))).toEqual({ error: { code: 'TIMEOUT', message: 'slow' } });
  });

  it('caps long output keeping head and tail around a marker', () => {
    const text = `${'a'.repeat(1000)}${'z'.repeat(1000)}`;
    const capped = capToolOutput(text, 300);
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(300);
    expect(capped.startsWith('aaa')).toBe(true);
    expect(capped.endsWith('zzz')).toBe(true);
    expect(capped).toContain('bytes truncated');
    expect(capToolOutput('short', 300)).toBe('short');
  });

  it('caps multi-byte text without producing broken characters', () => {
    const capped = capToolOutput('€'.repeat(500), 200);
    expect(capped).not.toContain('\uFFFD');
    expect(Buffer.byteLength(capped)).toBeLessThanOrEqual(200);
  });

  it('scrubs every configured secret value', () => {
    const scrub = createSecretScrubber(['sk-secret-1', 'p4ss.word', 'ab']);
    expect(scrub('key sk-secret-1 and p4ss.word and ab')).toBe('key [REDACTED] and [REDACTED] and ab');
    expect(createSecretScrubber([])('unchanged')).toBe('unchanged');
  });
});
