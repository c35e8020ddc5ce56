import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { checkPageSize, decodePageToken, encodePageToken } from './page-token.js';

describe('page tokens', () => {
  it.each(['updated', 'created'] as const)('round-trips a position in the %s order as an opaque base64url string', (order) => {
    const position = { order, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), id: '0123456789abcdef01234567' };
    const token = encodePageToken(position);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token)).toEqual(position);
  });

  it('reads tokens issued before there was a created order as the updated order', () => {
    const token = Buffer.from('{"u":1767322800000,"i":"0123456789ABCDEF01234567"}').toString('base64url');
    expect(decodePageToken(token)).toEqual({ order: 'updated', at: new Date(1767322800000), id: '0123456789abcdef01234567' });
  });

  it.each([
    ['not base64url', '***'],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a number', Buffer.from('42').toString('base64url')],
    ['a negative time', Buffer.from('{"u":-1,"i":"0123456789abcdef01234567"}').toString('base64url')],
    ['a fractional time', Buffer.from('{"u":1.5,"i":"0123456789abcdef01234567"}').toString('base64url')],
    ['a short id', Buffer.from('{"u":1,"i":"abc"}').toString('base64url')],
    ['too long', 'A'.repeat(300)],
    ['both orders at once', Buffer.from('{"u":1,"c":1,"i":"0123456789abcdef01234567"}').toString('base64url')],
    ['no time at all', Buffer.from('{"i":"0123456789abcdef01234567"}').toString('base64url')],
    ['a string time', Buffer.from('{"c":"1","i":"0123456789abcdef01234567"}').toString('base64url')],
  ])('rejects %s as invalid page_token', (_label, token) => {
    try {
      decodePageToken(token);
      expect.unreachable();
    } catch (error) {
      expect(HostError.isInstance(error) && error.code).toBe('HOST_INVALID_ARGUMENT');
      expect((error as HostError).meta).toEqual({ argument: 'page_token' });
    }
  });

  it('accepts page sizes from 1 to 1000 only', () => {
    expect(checkPageSize(1)).toBe(1);
    expect(checkPageSize(1000)).toBe(1000);
    for (const bad of [0, 1001, 2.5, Number.NaN]) expect(() => checkPageSize(bad)).toThrow(/page_size/);
  });
});
