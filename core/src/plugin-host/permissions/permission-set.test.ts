import { describe, expect, it } from 'vitest';
import { describePermissionSet, isEmptyPermissionSet, manifestRequest, NO_PERMISSIONS, toPermissionsBlock, toPermissionSet } from './permission-set.js';

describe('toPermissionSet', () => {
  it('fills every field, sorts and de-duplicates, lower-cases hosts and normalises paths', () => {
    expect(toPermissionSet({ network: ['B.example', 'a.example', 'b.example'], env: ['TZ', 'LANG', 'TZ'], read: ['/srv/x/../y', '/etc/ssl'] })).toEqual({
      network: ['a.example', 'b.example'],
      env: ['LANG', 'TZ'],
      read: ['/etc/ssl', '/srv/y'],
      scratchMb: undefined,
      processes: false,
    });
    expect(toPermissionSet(undefined)).toEqual(NO_PERMISSIONS);
  });

  it('counts extra hosts (an entry’s network.allowHosts) as part of the set', () => {
    expect(toPermissionSet({ network: ['a.example'] }, ['127.0.0.1:8081']).network).toEqual(['127.0.0.1:8081', 'a.example']);
  });
});

describe('manifestRequest', () => {
  it('folds the older acai.network.hosts into acai.permissions.network', () => {
    const manifest = { entry: './index.js', sdkApi: '1', network: { hosts: ['api.old.example'] }, permissions: { network: ['api.new.example'], processes: true } };
    expect(manifestRequest(manifest)).toMatchObject({ network: ['api.new.example', 'api.old.example'], processes: true });
    expect(isEmptyPermissionSet(manifestRequest({ entry: './index.js', sdkApi: '1' }))).toBe(true);
  });
});

describe('toPermissionsBlock and describePermissionSet', () => {
  it('write only what is granted, and describe it line by line', () => {
    const set = toPermissionSet({ network: ['a.example'], scratch: { sizeMb: 4 } });
    expect(toPermissionsBlock(set)).toEqual({ network: ['a.example'], scratch: { sizeMb: 4 } });
    expect(toPermissionsBlock(NO_PERMISSIONS)).toEqual({});
    expect(describePermissionSet(set)).toEqual(['network: a.example', 'scratch directory: up to 4 MiB']);
    expect(describePermissionSet(NO_PERMISSIONS)).toEqual(['nothing (no network, no environment, no files beyond its own, no processes)']);
  });
});
