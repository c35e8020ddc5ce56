import { describe, expect, it } from 'vitest';
import { decodeOpaqueToken, encodeOpaqueToken } from './opaque-token.js';

describe('opaque page tokens', () => {
  it('round-trips the fields it was given', () => {
    expect(decodeOpaqueToken(encodeOpaqueToken({ t: 1_700_000_000_000, i: 'abc' }))).toEqual({ fields: { t: 1_700_000_000_000, i: 'abc' }, owner: 'none' });
  });

  it('says whether a token was minted for the owner presenting it', () => {
    const token = encodeOpaqueToken({ i: 'abc' }, 'tenant-a');
    expect(decodeOpaqueToken(token, 'tenant-a')).toEqual({ fields: { i: 'abc' }, owner: 'same' });
    expect(decodeOpaqueToken(token, 'tenant-b')).toEqual({ fields: { i: 'abc' }, owner: 'other' });
    expect(decodeOpaqueToken(token)).toEqual({ fields: { i: 'abc' }, owner: 'other' });
    expect(decodeOpaqueToken(encodeOpaqueToken({ i: 'abc' }), 'tenant-a')).toEqual({ fields: { i: 'abc' }, owner: 'none' });
  });

  it('turns away what it did not make: oversized, not base64url, not JSON, not an object', () => {
    const encode = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    for (const token of ['', 'a'.repeat(201), 'has spaces', 'plus+slash/', encode('{"t":'), encode('[1,2]'), encode('null'), encode('42'), encode('"text"'), encode('{"i":1,"o":7}'), encode('{"o":null}')]) {
      expect(decodeOpaqueToken(token), token).toBeUndefined();
    }
  });
});
