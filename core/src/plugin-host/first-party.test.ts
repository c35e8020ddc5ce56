import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFirstPartyPackage } from './first-party.js';

const SHIPPED_DATETIME = fileURLToPath(new URL('../../../plugins/datetime', import.meta.url));

describe('isFirstPartyPackage', () => {
  let elsewhere: string;

  beforeAll(async () => {
    elsewhere = await mkdtemp(join(tmpdir(), 'acai-first-party-test-'));
    await cp(join(SHIPPED_DATETIME, 'package.json'), join(elsewhere, 'copy/package.json'), { recursive: true });
    await symlink(SHIPPED_DATETIME, join(elsewhere, 'linked'));
  });

  afterAll(() => rm(elsewhere, { recursive: true, force: true }));

  it('trusts a package of the host’s own plugins/ folder, also when reached through a link', async () => {
    expect(await isFirstPartyPackage(SHIPPED_DATETIME, '@acai/plugin-datetime')).toBe(true);
    expect(await isFirstPartyPackage(join(elsewhere, 'linked'), '@acai/plugin-datetime')).toBe(true);
  });

  it('does not trust the name alone: a copy elsewhere, or another name inside plugins/, is third-party', async () => {
    expect(await isFirstPartyPackage(join(elsewhere, 'copy'), '@acai/plugin-datetime')).toBe(false);
    expect(await isFirstPartyPackage(SHIPPED_DATETIME, 'acai-plugin-datetime')).toBe(false);
    expect(await isFirstPartyPackage(SHIPPED_DATETIME, '@acai/core')).toBe(false);
    expect(await isFirstPartyPackage(join(elsewhere, 'missing'), '@acai/plugin-datetime')).toBe(false);
  });
});
