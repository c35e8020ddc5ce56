import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from './client-ip.js';

const request = (remoteAddress: string, forwardedFor?: string) => ({
  socket: { remoteAddress },
  headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
});

describe('createClientIpResolver', () => {
  it('uses the socket address and ignores X-Forwarded-For without trusted proxies', () => {
    const resolve = createClientIpResolver([]);
    expect(resolve(request('203.0.113.5', '1.2.3.4'))).toBe('203.0.113.5');
    expect(resolve(request('::ffff:203.0.113.5'))).toBe('203.0.113.5');
  });

  it('ignores X-Forwarded-For from an untrusted peer', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8']);
    expect(resolve(request('198.51.100.7', '1.2.3.4'))).toBe('198.51.100.7');
  });

  it('takes the right-most untrusted hop behind trusted proxies, so a forged left part is ignored', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8', '2001:db8::/32']);
    expect(resolve(request('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.9'))).toBe('198.51.100.7');
    expect(resolve(request('2001:db8::1', '198.51.100.8'))).toBe('198.51.100.8');
    expect(resolve(request('10.0.0.2', '10.1.1.1, 10.2.2.2'))).toBe('10.1.1.1');
    expect(resolve(request('10.0.0.2'))).toBe('10.0.0.2');
  });

  it('refuses an invalid proxy range with the variable name', () => {
    expect(() => createClientIpResolver(['10.0.0.0/33'])).toThrow(/ACAI_TRUSTED_PROXIES/);
    expect(() => createClientIpResolver(['not-an-ip'])).toThrow(/ACAI_TRUSTED_PROXIES/);
  });
});
