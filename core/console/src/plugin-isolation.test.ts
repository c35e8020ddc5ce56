import { describe, expect, it } from 'vitest';
import { permissionLines, sandboxLabel } from './plugin-isolation.js';

describe('sandboxLabel', () => {
  it('names the sandbox, or why there is none, and flags an operator opt-out', () => {
    expect(sandboxLabel({ sandbox: 'bubblewrap' })).toEqual({ text: 'bubblewrap', isWarning: false });
    expect(sandboxLabel({ sandbox: 'none', sandbox_exemption: 'first-party' })).toEqual({ text: 'none (first-party)', isWarning: false });
    expect(sandboxLabel({ sandbox: 'none', sandbox_exemption: 'opted-out' })).toMatchObject({ isWarning: true });
    expect(sandboxLabel({ sandbox: 'none', sandbox_exemption: 'remote' })?.text).toBe('none (remote server)');
  });

  it('says nothing until the host decided, and never trusts an unknown value', () => {
    expect(sandboxLabel({})).toBeUndefined();
    expect(sandboxLabel({ sandbox: '<img src=x>' })).toBeUndefined();
    expect(sandboxLabel({ sandbox: 'none', sandbox_exemption: '<script>' })).toEqual({ text: 'none', isWarning: false });
  });
});

describe('permissionLines', () => {
  it('lists each permission the set holds', () => {
    expect(permissionLines({ network: ['api.example.com', '*.cdn.example'], env: ['TZ'], read: ['/usr/share/zoneinfo'], scratch_mb: 16, processes: true })).toEqual([
      'network: api.example.com, *.cdn.example',
      'environment variables: TZ',
      'read files: /usr/share/zoneinfo',
      'scratch directory: up to 16 MiB',
      'start processes',
    ]);
  });

  it('says "nothing" for an empty or absent set', () => {
    expect(permissionLines(undefined)).toEqual(['nothing']);
    expect(permissionLines({ network: [], scratch_mb: 0, processes: false })).toEqual(['nothing']);
  });
});
