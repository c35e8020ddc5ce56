import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { checkPageSize, decodePageToken, encodePageToken } from './page-token.js';

describe('page tokens', () => {
  it.each(['updated', 'created'] as const)('round-trips a position in the %s order as an opaque base64url string', (order) => {
    const position = { order, at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), id: '0123456789abcdef01234567' };
    const token = encodePageToken('tenant-a', position);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken('tenant-a', token)).toEqual(position);
  });

  it('names its tenant by a fingerprint, never by the id itself', () => {
    const token = encodePageToken('alice@example.com', { order: 'updated', at: new Date(0), id: '0123456789abcdef01234567' });
    expect(Buffer.from(token, 'base64url').toString('utf8')).not.toContain('alice');
  });

  it("refuses another tenant's token, telling the client to list again", () => {
    const token = encodePageToken('tenant-a', { order: 'created', at: new Date(5), id: '0123456789abcdef01234567' });
    expect(() => decodePageToken('tenant-b', token)).toThrow(/another caller.*list again without page_token/);
  });

  it('reads tokens of the previous release (no tenant; before there was a created order) for one release', () => {
    const token = Buffer.from('{"u":1767322800000,"i":"0123456789ABCDEF01234567"}').toString('base64url');
    expect(decodePageToken('any-tenant', token)).toEqual({ order: 'updated', at: new Date(1767322800000), id: '0123456789abcdef01234567' });
  });

  it('keeps the keys the previous release reads, so its replicas continue these tokens during a rolling upgrade', () => {
    const token = encodePageToken('tenant-a', { order: 'updated', at: new Date(7), id: '0123456789abcdef01234567' });
    expect(JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))).toMatchObject({ u: 7, i: '0123456789abcdef01234567' });
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
    ['a time past what a Date holds', Buffer.from('{"c":9e15,"i":"0123456789abcdef01234567"}').toString('base64url')],
    ['an owner that is not a fingerprint', Buffer.from('{"u":1,"i":"0123456789abcdef01234567","o":["x"]}').toString('base64url')],
    ['an array', Buffer.from('["u",1]').toString('base64url')],
    ['empty', ''],
  ])('rejects %s as invalid page_token, without echoing it', (_label, token) => {
    try {
      decodePageToken('tenant-a', token);
      expect.unreachable();
    } catch (error) {
      expect(HostError.isInstance(error) && error.code).toBe('HOST_INVALID_ARGUMENT');
      expect((error as HostError).meta).toEqual({ argument: 'page_token' });
      expect((error as HostError).message).toMatch(/list again without page_token/);
      if (token !== '') expect((error as HostError).message).not.toContain(token);
    }
  });

  it('accepts page sizes from 1 to 1000 only', () => {
    expect(checkPageSize(1)).toBe(1);
    expect(checkPageSize(1000)).toBe(1000);
    for (const bad of [0, 1001, 2.5, Number.NaN]) expect(() => checkPageSize(bad)).toThrow(/page_size/);
  });
});
