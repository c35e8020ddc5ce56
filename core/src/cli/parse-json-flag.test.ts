import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { MAX_JSON_FLAG_BYTES, parseJsonFlag } from './parse-json-flag.js';

function failure(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (CliError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('parseJsonFlag', () => {
  it('parses a JSON object', () => {
    expect(parseJsonFlag('{"a":[1,2]}', '--args', 'tools')).toEqual({ a: [1, 2] });
  });

  it('turns broken JSON into a usage error that shows how to quote it', () => {
    const error = failure(() => parseJsonFlag("{a:'b'}", '--args', 'tools'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^--args is not valid JSON \(.*\); quote it, e\.g\. --args '\{"key":"value"\}' \(see `acai tools --help`\)$/);
  });

  it.each([
    ['[1,2]', 'an array'],
    ['null', 'null'],
    ['"text"', 'string'],
    ['42', 'number'],
  ])('refuses %s where an object is required', (text, kind) => {
    expect(failure(() => parseJsonFlag(text, '--plugin-config', 'plugin add')).message).toContain(`must be a JSON object like '{"key":"value"}', got ${kind}`);
  });

  it('accepts any JSON value when asked to', () => {
    expect(parseJsonFlag('[1]', '--args x', 'plugin test', 'any')).toEqual([1]);
  });

  it('refuses oversized input before parsing it', () => {
    const huge = `{"a":"${'x'.repeat(MAX_JSON_FLAG_BYTES)}"}`;
    expect(failure(() => parseJsonFlag(huge, '--args', 'tools')).message).toContain('larger than 1024 KiB');
  });
});
