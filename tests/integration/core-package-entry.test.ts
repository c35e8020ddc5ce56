import { readFileSync } from 'node:fs';
import * as core from '@acai/core';
import { describe, expect, it } from 'vitest';

const corePackage = JSON.parse(readFileSync(new URL('../../core/package.json', import.meta.url), 'utf8')) as { version: string; exports: Record<string, unknown> };

describe('@acai/core package entry', () => {
  it('exports the embedding API: load the config, build or start the host', () => {
    expect(Object.keys(core).sort()).toEqual(['HOST_VERSION', 'buildApp', 'loadHostConfig', 'startHost']);
    expect(core.HOST_VERSION).toBe(corePackage.version);
    expect(corePackage.exports).toHaveProperty('.');
  });
});
