import type { HostErrorCode } from '../../errors/index.js';

/** The host's named load checks, in the order the loader runs them. */
export const LOAD_CHECKS = [
  'resolve',
  'manifest',
  'version ranges',
  'import',
  'config',
  'secrets',
  'tool schemas',
  'tool names',
  'setup',
] as const;

export type LoadCheck = (typeof LOAD_CHECKS)[number];

const CHECK_OF_CODE: Partial<Record<HostErrorCode, LoadCheck>> = {
  HOST_PLUGIN_NOT_FOUND: 'resolve',
  HOST_PLUGIN_MANIFEST_INVALID: 'manifest',
  HOST_PLUGIN_VERSION_MISMATCH: 'version ranges',
  HOST_PLUGIN_SDK_MISMATCH: 'version ranges',
  HOST_PLUGIN_HOST_MISMATCH: 'version ranges',
  HOST_PLUGIN_IMPORT_FAILED: 'import',
  HOST_PLUGIN_CONFIG_INVALID: 'config',
  HOST_PLUGIN_SECRET_MISSING: 'secrets',
  HOST_PLUGIN_SCHEMA_INVALID: 'tool schemas',
  HOST_DUPLICATE_TOOL: 'tool names',
  HOST_PLUGIN_SETUP_FAILED: 'setup',
  HOST_PLUGIN_SETUP_TIMEOUT: 'setup',
};

/** Which named check a loader error code belongs to. */
export function checkOfCode(code: HostErrorCode): LoadCheck | undefined {
  return CHECK_OF_CODE[code];
}

/** True for the codes that mean "this plugin does not fit this host or SDK". */
export function isCompatibilityCode(code: HostErrorCode): boolean {
  return code === 'HOST_PLUGIN_VERSION_MISMATCH' || code === 'HOST_PLUGIN_SDK_MISMATCH' || code === 'HOST_PLUGIN_HOST_MISMATCH';
}
