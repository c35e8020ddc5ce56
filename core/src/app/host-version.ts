import { readFileSync } from 'node:fs';

/** The host's own version (core/package.json), checked against plugins' `acai.hostRange`. */
export const HOST_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
