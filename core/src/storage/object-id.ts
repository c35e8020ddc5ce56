import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../errors/index.js';

const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/;
// The ObjectId layout (4-byte seconds, 5-byte per-process random, 3-byte counter), so ids made by the
// embedded store look and sort like MongoDB's and clients that expect 24-hex ids keep working.
const processRandom = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

/** A new 24-hex, time-prefixed id (MongoDB ObjectId layout). */
export function createObjectIdHex(now: Date = new Date()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(now.getTime() / 1000) >>> 0;
  return seconds.toString(16).padStart(8, '0') + processRandom + counter.toString(16).padStart(6, '0');
}

/** True for exactly 24 lowercase or uppercase hex characters. */
export function isObjectIdHex(value: string): boolean {
  return OBJECT_ID_PATTERN.test(value.toLowerCase());
}

/** The id of a record being created: the caller's choice (checked, lower-cased) or a new one. */
export function chosenOrNewObjectIdHex(chosen: string | undefined, now: Date): string {
  if (chosen === undefined) return createObjectIdHex(now);
  if (!isObjectIdHex(chosen)) throw invalidArgument('id', 'invalid id: expected 24 hexadecimal characters');
  return chosen.toLowerCase();
}
