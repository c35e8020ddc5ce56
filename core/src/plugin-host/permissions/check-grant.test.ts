import { describe, expect, it } from 'vitest';
import { HostError } from '../../errors/index.js';
import { checkPermissionGrant, missingFromGrant } from './check-grant.js';
import { createDestinationMatcher, patternCovers } from './host-patterns.js';
import { NO_PERMISSIONS, toPermissionSet } from './permission-set.js';

describe('patternCovers', () => {
  it('follows the HTTP client’s rule: a host is any port, host:port one port, *.suffix any subdomain', () => {
    expect(patternCovers('api.example.com', 'api.example.com')).toBe(true);
    expect(patternCovers('API.example.com', 'api.example.com:8443')).toBe(true);
    expect(patternCovers('api.example.com:8443', 'api.example.com:8443')).toBe(true);
    expect(patternCovers('api.example.com:8443', 'api.example.com')).toBe(false);
    expect(patternCovers('api.example.com:8443', 'api.example.com:443')).toBe(false);
    expect(patternCovers('*.example.com', 'api.example.com')).toBe(true);
    expect(patternCovers('*.example.com', '*.api.example.com')).toBe(true);
    expect(patternCovers('*.example.com', '*.example.com')).toBe(true);
    expect(patternCovers('*.example.com', 'example.com')).toBe(false);
    expect(patternCovers('*.example.com', 'evil-example.com')).toBe(false);
    expect(patternCovers('api.example.com', '*.example.com')).toBe(false);
  });
});

describe('createDestinationMatcher', () => {
  it('admits a concrete destination only under a granted pattern', () => {
    const isAllowed = createDestinationMatcher(['api.example.com', '127.0.0.1:8081', '*.cdn.example']);
    expect(isAllowed('api.example.com', 443)).toBe(true);
    expect(isAllowed('API.EXAMPLE.COM', 80)).toBe(true);
    expect(isAllowed('127.0.0.1', 8081)).toBe(true);
    expect(isAllowed('127.0.0.1', 6379)).toBe(false);
    expect(isAllowed('img.cdn.example', 443)).toBe(true);
    expect(isAllowed('cdn.example', 443)).toBe(false);
    expect(isAllowed('example.com', 443)).toBe(false);
    expect(createDestinationMatcher([])('localhost', 80)).toBe(false);
  });
});

describe('missingFromGrant', () => {
  const request = toPermissionSet({ network: ['api.example.com', '*.cdn.example'], env: ['TZ'], read: ['/usr/share/zoneinfo/Europe'], scratch: { sizeMb: 16 }, processes: true });

  it('is empty when the grant covers the request, wider grants included', () => {
    const grant = toPermissionSet({ network: ['api.example.com', '*.cdn.example', 'other.example'], env: ['TZ', 'LANG'], read: ['/usr/share/zoneinfo'], scratch: { sizeMb: 64 }, processes: true });
    expect(missingFromGrant(request, grant)).toEqual(NO_PERMISSIONS);
  });

  it('names exactly what is missing', () => {
    const grant = toPermissionSet({ network: ['api.example.com'], read: ['/usr/share/zoneinfo/America'], scratch: { sizeMb: 8 } });
    expect(missingFromGrant(request, grant)).toEqual({ network: ['*.cdn.example'], env: ['TZ'], read: ['/usr/share/zoneinfo/Europe'], scratchMb: 16, processes: true });
  });

  it('never counts a path that merely shares a prefix as inside a granted directory', () => {
    const missing = missingFromGrant(toPermissionSet({ read: ['/srv/data-secret/x'] }), toPermissionSet({ read: ['/srv/data'] }));
    expect(missing.read).toEqual(['/srv/data-secret/x']);
  });
});

describe('checkPermissionGrant', () => {
  it('passes a request the grant covers, and an empty request with no grant', () => {
    expect(() => checkPermissionGrant(NO_PERMISSIONS, NO_PERMISSIONS, 'plugins.config.json › quotes')).not.toThrow();
    expect(() => checkPermissionGrant(toPermissionSet({ network: ['a.example'] }), toPermissionSet({ network: ['a.example'] }), 'x')).not.toThrow();
  });

  it('refuses with HOST_PLUGIN_PERMISSION_NOT_GRANTED, naming what is missing and the permissions block that would grant it', () => {
    const request = toPermissionSet({ network: ['api.quotes.example'], scratch: { sizeMb: 16 } });
    const grant = toPermissionSet({ network: ['mirror.local:8081'] });
    let error: unknown;
    try {
      checkPermissionGrant(request, grant, 'plugins.config.json › quotes (acme-quotes@1.0.0)');
    } catch (caught) {
      error = caught;
    }
    expect(HostError.isInstance(error) && error.code).toBe('HOST_PLUGIN_PERMISSION_NOT_GRANTED');
    const message = (error as HostError).message;
    expect(message).toContain('plugins.config.json › quotes (acme-quotes@1.0.0)');
    expect(message).toContain('network: api.quotes.example; scratch directory: up to 16 MiB');
    // The fix keeps what the operator already granted.
    expect(message).toContain('"permissions": {"network":["api.quotes.example","mirror.local:8081"],"scratch":{"sizeMb":16}}');
  });
});
