import { describe, expect, it } from 'vitest';
import { createObjectIdHex, isObjectIdHex } from './object-id.js';

describe('createObjectIdHex', () => {
  it('makes unique 24-hex ids that start with the creation time in seconds', () => {
    const at = new Date(Date.UTC(2026, 4, 1));
    const ids = Array.from({ length: 1000 }, () => createObjectIdHex(at));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(isObjectIdHex(id)).toBe(true);
    expect(Number.parseInt(ids[0]!.slice(0, 8), 16)).toBe(at.getTime() / 1000);
  });

  it('sorts later ids after earlier ones', () => {
    const earlier = createObjectIdHex(new Date(1_000_000_000_000));
    const later = createObjectIdHex(new Date(1_000_000_001_000));
    expect(earlier < later).toBe(true);
  });

  it('recognises only 24 hex characters', () => {
    expect(isObjectIdHex('0123456789ABCDEF01234567')).toBe(true);
    for (const bad of ['', '0123456789abcdef0123456', '0123456789abcdef012345678', 'g123456789abcdef01234567']) {
      expect(isObjectIdHex(bad)).toBe(false);
    }
  });
});
