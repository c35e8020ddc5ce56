import { createHash } from 'node:crypto';
import type { PluginsConfig } from '../../config/plugins-config.js';

/**
 * A digest of a parsed plugins config: equal for two files that mean the same (formatting, key order
 * of the written file and comments aside), different when any setting differs. The config holds resolved
 * secrets, so only this digest is ever kept, never the text it was made from.
 */
export function configFingerprint(config: PluginsConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}
