import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';

const reader = (env: Record<string, string>) => new EnvReader(env, '/srv/acai');

describe('EnvReader', () => {
  it('treats unset and blank variables alike and trims values', () => {
    const read = reader({ BLANK: '   ', PADDED: '  value  ' });
    expect(read.text('UNSET')).toBeUndefined();
    expect(read.text('BLANK')).toBeUndefined();
    expect(read.text('PADDED')).toBe('value');
    expect(read.integer('BLANK', 7, 0, 10)).toBe(7);
    expect(read.problems).toEqual([]);
  });

  it('accepts whole numbers within bounds and reports anything else with the bounds, keeping the fallback', () => {
    const read = reader({ OK: ' 42 ', LOW: '-1', HIGH: '11', FRACTION: '1.5', WORD: 'ten', EXPONENT: '1e99', HEX: '0x10' });
    expect(read.integer('OK', 0, 0, 100)).toBe(42);
    for (const name of ['LOW', 'HIGH', 'FRACTION', 'WORD', 'EXPONENT']) expect(read.integer(name, 5, 0, 10)).toBe(5);
    expect(read.problems).toEqual([
      'LOW: expected a whole number from 0 to 10, got "-1"',
      'HIGH: expected a whole number from 0 to 10, got "11"',
      'FRACTION: expected a whole number from 0 to 10, got "1.5"',
      'WORD: expected a whole number from 0 to 10, got "ten"',
      'EXPONENT: expected a whole number from 0 to 10, got "1e99"',
    ]);
    // Number() reads hex; within bounds it is a whole number like any other.
    expect(read.integer('HEX', 0, 0, 100)).toBe(16);
  });

  it('reads flags in any case and reports words it does not know', () => {
    const read = reader({ A: 'TRUE', B: 'off', C: 'Yes', D: '0', E: 'maybe' });
    expect([read.flag('A', false), read.flag('B', true), read.flag('C', false), read.flag('D', true), read.flag('E', true)]).toEqual([true, false, true, false, true]);
    expect(read.problems).toEqual(['E: expected true or false, got "maybe"']);
  });

  it('splits lists on commas, dropping empty items', () => {
    expect(reader({ LIST: ' a, ,b ,,c ' }).list('LIST')).toEqual(['a', 'b', 'c']);
    expect(reader({}).list('LIST')).toEqual([]);
  });

  it('keeps URLs as written and reports a wrong protocol or an unparsable value', () => {
    const read = reader({ GOOD: 'https://api.example.com/v1', FTP: 'ftp://files.example.com', BROKEN: 'not a url' });
    expect(read.url('GOOD', ['http:', 'https:'])).toBe('https://api.example.com/v1');
    expect(read.url('FTP', ['http:', 'https:'])).toBe('ftp://files.example.com');
    expect(read.url('BROKEN', ['https:'])).toBe('not a url');
    expect(read.problems).toEqual(['FTP: expected a http: or https: URL, got protocol "ftp:"', 'BROKEN: not a valid URL']);
  });

  it('matches choices case-insensitively and lists them when the value is none of them', () => {
    const read = reader({ MODE: 'Process', BAD: 'vm; rm -rf /' });
    expect(read.choice('MODE', ['thread', 'process'] as const, 'thread')).toBe('process');
    expect(read.choice('BAD', ['thread', 'process'] as const, 'thread')).toBe('thread');
    expect(read.problems).toEqual(['BAD: expected one of thread, process, got "vm; rm -rf /"']);
  });

  it('accepts bare origins only, refusing paths, wildcards and other schemes one by one', () => {
    const read = reader({ ORIGINS: 'https://ok.example.com, http://localhost:5173, https://app.example.com/path, *, file:///etc, https://ok.example.com:443' });
    expect(read.origins('ORIGINS')).toEqual(['https://ok.example.com', 'http://localhost:5173']);
    expect(read.problems).toHaveLength(4);
    expect(read.problems[0]).toBe('ORIGINS: expected origins such as https://app.example.com (scheme, host and port only), got "https://app.example.com/path"');
  });

  it('resolves paths against the working directory, leaving absolute ones alone', () => {
    const read = reader({ RELATIVE: 'data/keys.json', ABSOLUTE: '/etc/acai/keys.json' });
    expect(read.path('RELATIVE')).toBe('/srv/acai/data/keys.json');
    expect(read.path('ABSOLUTE')).toBe('/etc/acai/keys.json');
    expect(read.path('UNSET')).toBeUndefined();
    expect(read.path('UNSET', './plugins.config.json')).toBe('/srv/acai/plugins.config.json');
  });

  it("checks connection strings with the store's own rule and names the variable", () => {
    const read = reader({ DB: 'http://db' });
    expect(read.connectionString('DB', (value) => (value.startsWith('mongodb') ? undefined : 'expected mongodb://…'))).toBe('http://db');
    expect(read.connectionString('UNSET', () => 'never called')).toBeUndefined();
    expect(read.problems).toEqual(['DB: expected mongodb://…']);
  });

  it('quotes a hostile value cut short and escaped, so it can neither flood nor forge the boot error', () => {
    const read = reader({ HUGE: '9'.repeat(10_000), FORGED: 'x"\n  - PORT: fine' });
    read.integer('HUGE', 0, 0, 10);
    read.flag('FORGED', false);
    expect(read.problems[0]).toBe(`HUGE: expected a whole number from 0 to 10, got "${'9'.repeat(40)}…"`);
    expect(read.problems[1]).toBe('FORGED: expected true or false, got "x\\"\\n  - port: fine"');
  });
});
