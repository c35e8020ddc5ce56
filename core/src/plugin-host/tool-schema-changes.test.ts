import { describe, expect, it } from 'vitest';
import { diffToolSchemas, type ToolSchemaSnapshot } from './tool-schema-changes.js';

function snapshot(entries: Array<[string, string, string]>): ToolSchemaSnapshot {
  return new Map(entries.map(([name, version, fingerprint]) => [name, { plugin: name.split('__')[0] ?? name, pluginVersion: version, schemaFingerprint: fingerprint }]));
}

describe('diffToolSchemas', () => {
  it('reports only tools present in both sets whose fingerprint changed', () => {
    const previous = snapshot([['a__one', '1.0.0', 'aaaa'], ['a__two', '1.0.0', 'bbbb'], ['gone__x', '1.0.0', 'cccc']]);
    const current = snapshot([['a__one', '1.1.0', 'aaaa'], ['a__two', '1.1.0', 'dddd'], ['new__y', '1.0.0', 'eeee']]);
    expect(diffToolSchemas(previous, current)).toEqual([
      { exposedName: 'a__two', plugin: 'a', fromVersion: '1.0.0', toVersion: '1.1.0', fromFingerprint: 'bbbb', toFingerprint: 'dddd', isMajorBump: false },
    ]);
  });

  it.each([
    ['1.4.2', '2.0.0', true],
    ['1.4.2', '1.5.0', false],
    ['1.4.2', '1.4.2', false],
    ['2.0.0', '1.9.0', false],
    ['0.3.1', '0.4.0', true],
    ['0.3.1', '0.3.2', false],
    ['1.0.0', 'not-a-version', false],
  ])('counts %s → %s as a major bump: %s', (from, to, isMajorBump) => {
    const [change] = diffToolSchemas(snapshot([['p__t', from, 'old']]), snapshot([['p__t', to, 'new']]));
    expect(change?.isMajorBump).toBe(isMajorBump);
  });
});
