import { describe, expect, it } from 'vitest';
import { HostError } from '../../errors/index.js';
import type { ToolSchemaRecord, ToolSchemaSnapshot } from '../tool-schema-changes.js';
import { checkReleaseCompatibility, lastGoodRelease, servedRelease } from './release-guard.js';
import type { Schema } from './tool-schema-compatibility.js';

const INTEGRITY_1 = `sha512-${'A'.repeat(86)}==`;
const INTEGRITY_0 = `sha512-${'B'.repeat(86)}==`;
const digitsV1: Schema = { type: 'object', properties: { number: { type: 'integer' } }, required: ['number'], additionalProperties: false };
const digitsV11: Schema = { type: 'object', properties: { number: { type: 'integer' }, base: { type: 'integer' } }, required: ['number', 'base'], additionalProperties: false };

function record(version: string, parameters: Schema | undefined, integrity?: string): ToolSchemaRecord {
  return { plugin: 'digits', pluginVersion: version, schemaFingerprint: `fp-${version}`, ...(parameters === undefined ? {} : { parameters }), ...(integrity === undefined ? {} : { pluginIntegrity: integrity }) };
}

const baseline: ToolSchemaSnapshot = new Map([
  ['digits__get_digits', record('1.0.0', digitsV1, INTEGRITY_1)],
  // A tool of an older release that 1.0.0 dropped: it stays in the ledger, but no longer counts.
  ['digits__legacy', record('0.9.0', digitsV1, INTEGRITY_0)],
  ['other__tool', { plugin: 'other', pluginVersion: '3.0.0', schemaFingerprint: 'x', parameters: digitsV1 }],
]);

const check = (version: string, tools: Record<string, Schema>, options: { accept?: string; denied?: string[] } = {}) => () =>
  checkReleaseCompatibility({
    plugin: 'digits',
    version,
    tools: new Map(Object.entries(tools).map(([name, parameters]) => [name, { parameters, isExposed: !(options.denied ?? []).includes(name) }])),
    baseline,
    acceptBreakingRelease: options.accept,
    named: 'plugins.config.json › digits (acai-plugin-digits@' + version + ')',
  });

describe('servedRelease', () => {
  it('takes the newest release the ledger recorded for the plugin, with its tools and integrity', () => {
    expect(servedRelease(baseline, 'digits')).toEqual({ version: '1.0.0', tools: new Map([['digits__get_digits', digitsV1]]), integrity: INTEGRITY_1 });
    expect(servedRelease(baseline, 'unknown')).toBeUndefined();
    expect(servedRelease(undefined, 'digits')).toBeUndefined();
  });
});

describe('checkReleaseCompatibility', () => {
  it('refuses a minor release that adds a required parameter, naming the change, the version it needs and the ways out', () => {
    let error: unknown;
    try {
      check('1.1.0', { digits__get_digits: digitsV11 })();
    } catch (caught) {
      error = caught;
    }
    expect(HostError.isInstance(error) && error.code).toBe('HOST_PLUGIN_BREAKING_CHANGE');
    expect((error as Error).message).toBe(
      'plugins.config.json › digits (acai-plugin-digits@1.1.0): release 1.1.0 breaks the tool parameters of 1.0.0 without a major version bump: ' +
        'digits__get_digits /properties/base: a new required property. Its author should publish it as 2.0.0; keep 1.0.0 (`acai plugin upgrade digits --to 1.0.0`), ' +
        'or accept it with "acceptBreakingRelease": "1.1.0" in plugins.config.json.',
    );
  });

  it('refuses a removed tool', () => {
    expect(check('1.0.1', {})).toThrow(/digits__get_digits: the tool was removed/);
  });

  it('lets through a major release, the release the operator accepted, a compatible change, the same and an older release', () => {
    expect(check('2.0.0', { digits__get_digits: digitsV11 })).not.toThrow();
    expect(check('1.1.0', { digits__get_digits: digitsV11 }, { accept: '1.1.0' })).not.toThrow();
    expect(check('1.1.0', { digits__get_digits: digitsV1, digits__new_tool: digitsV11 })).not.toThrow();
    expect(check('1.0.0', { digits__get_digits: digitsV11 })).not.toThrow();
    expect(check('0.9.5', {})).not.toThrow();
  });

  it('accepting one release does not accept the next', () => {
    expect(check('1.2.0', { digits__get_digits: digitsV11 }, { accept: '1.1.0' })).toThrow(/release 1\.2\.0 breaks/);
  });

  it('does not compare a tool the entry no longer exposes', () => {
    expect(check('1.1.0', { digits__get_digits: digitsV11 }, { denied: ['digits__get_digits'] })).not.toThrow();
  });

  it('passes without a baseline, and for a ledger that kept no parameters (written by an older host)', () => {
    expect(() =>
      checkReleaseCompatibility({ plugin: 'digits', version: '1.1.0', tools: new Map(), baseline: undefined, acceptBreakingRelease: undefined, named: 'x' }),
    ).not.toThrow();
    expect(() =>
      checkReleaseCompatibility({ plugin: 'digits', version: '1.1.0', tools: new Map(), baseline: new Map([['digits__get_digits', record('1.0.0', undefined)]]), acceptBreakingRelease: undefined, named: 'x' }),
    ).not.toThrow();
  });
});

describe('lastGoodRelease', () => {
  it('falls back to the release served before, with its integrity', () => {
    expect(lastGoodRelease(baseline, 'digits', { version: '1.1.0', integrity: INTEGRITY_0, registry: 'http://127.0.0.1:4873/' })).toEqual({
      version: '1.0.0',
      integrity: INTEGRITY_1,
      registry: 'http://127.0.0.1:4873/',
    });
  });

  it('has nothing to fall back to for the same release, an unknown plugin, or one not installed by acai', () => {
    expect(lastGoodRelease(baseline, 'digits', { version: '1.0.0', integrity: INTEGRITY_1 })).toBeUndefined();
    expect(lastGoodRelease(baseline, 'unknown', { version: '1.0.0', integrity: INTEGRITY_1 })).toBeUndefined();
    expect(lastGoodRelease(new Map([['digits__get_digits', record('1.0.0', digitsV1)]]), 'digits', { version: '1.1.0', integrity: INTEGRITY_1 })).toBeUndefined();
  });
});
