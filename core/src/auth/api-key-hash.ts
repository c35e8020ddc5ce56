import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 40 base62 characters ≈ 238 bits of entropy. */
const KEY_BODY_LENGTH = 40;
export const API_KEY_PREFIX = 'acai_';

function randomBase62(length: number): string {
  let text = '';
  for (let index = 0; index < length; index += 1) text += BASE62[randomInt(BASE62.length)];
  return text;
}

/** A new plaintext API key: `acai_` + 40 random base62 characters. Show it once, store only its hash. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBase62(KEY_BODY_LENGTH)}`;
}

/** A public key id (`key_` + 16 base62 characters), safe to log. */
export function generateApiKeyId(): string {
  return `key_${randomBase62(16)}`;
}

/**
 * The stored form of a key: lower-case hex SHA-256, or HMAC-SHA-256 keyed with the server pepper when
 * one is configured (a leaked key table is then useless without the pepper). Keys are long random
 * strings, so a fast hash is enough; a slow KDF would only slow every request.
 */
export function hashApiKey(key: string, pepper?: string): string {
  return pepper ? createHmac('sha256', pepper).update(key).digest('hex') : createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(left: string, right: string): boolean {
  const leftBytes = Buffer.from(left, 'hex');
  const rightBytes = Buffer.from(right, 'hex');
  return leftBytes.length === rightBytes.length && leftBytes.length > 0 && timingSafeEqual(leftBytes, rightBytes);
}

/** Hex SHA-256 digests: 64 lower-case hex characters. */
export function isApiKeyHash(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
