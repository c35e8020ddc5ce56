import { describe, expect, it } from 'vitest';
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

const parameters = {
  type: 'object',
  properties: { location: { type: 'string', minLength: 1 }, days: { type: 'integer', minimum: 1, maximum: 10 } },
  required: ['location', 'days'],
  additionalProperties: false,
} as const;
const tool: PreparedTool = {
  name: 'get_forecast',
  description: 'forecast',
  parameters,
  idempotent: true,
  validate: createSchemaCompiler().compile(parameters),
  fingerprint: schemaFingerprint(parameters),
};

describe('argument checks', () => {
  it('refuses unparsable JSON as INVALID_INPUT', () => {
    const parsed = parseToolArguments('get_forecast', '{"location":');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.failure.code).toBe('INVALID_INPUT');
    expect(parseToolArguments('x', '')).toEqual({ ok: true, value: {} });
  });

  it('lists every validation error with its pointer in a model-fixable message', () => {
    const failure = checkToolArguments(tool, { days: 11, unit: 'c' });
    expect(failure?.code).toBe('INVALID_INPUT');
    expect(failure?.message).toBe(
      'Invalid arguments for tool "get_forecast": /location: is required but missing; /unit: is not an allowed property (remove it); /days: must be <= 10. Correct the arguments and call the tool again.',
    );
    expect(checkToolArguments(tool, { location: 'Paris', days: 3 })).toBeUndefined();
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
