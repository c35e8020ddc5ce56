import type { HostErrorCode } from '../../errors/index.js';

/** The host's named load checks, in the order the loader runs them. */
export const LOAD_CHECKS = [
  'resolve',
  'integrity',
  'manifest',
  'version ranges',
  'dependencies',
  'sandbox',
  'import',
  'config',
  'secrets',
  'tool schemas',
  'tool names',
  'setup',
] as const;

/** The named checks of an MCP server entry, in the order the loader runs them. */
export const MCP_LOAD_CHECKS = ['variables', 'start', 'initialize', 'version ranges', 'tool schemas', 'tool names'] as const;

export type LoadCheck = (typeof LOAD_CHECKS)[number] | (typeof MCP_LOAD_CHECKS)[number];

const CHECK_OF_CODE: Partial<Record<HostErrorCode, LoadCheck>> = {
  HOST_PLUGIN_NOT_FOUND: 'resolve',
  HOST_PLUGIN_INTEGRITY_MISMATCH: 'integrity',
  HOST_PLUGIN_SIGNATURE_MISSING: 'integrity',
  HOST_PLUGIN_SIGNATURE_UNTRUSTED: 'integrity',
  HOST_PLUGIN_SIGNATURE_INVALID: 'integrity',
  HOST_PLUGIN_MANIFEST_INVALID: 'manifest',
  HOST_PLUGIN_VERSION_MISMATCH: 'version ranges',
  HOST_PLUGIN_SDK_MISMATCH: 'version ranges',
  HOST_PLUGIN_HOST_MISMATCH: 'version ranges',
  HOST_PLUGIN_DEPENDENCY_MISSING: 'dependencies',
  HOST_PLUGIN_PERMISSION_NOT_GRANTED: 'sandbox',
  HOST_SANDBOX_UNAVAILABLE: 'sandbox',
  HOST_SANDBOX_REFUSED: 'sandbox',
  HOST_PLUGIN_IMPORT_FAILED: 'import',
  HOST_PLUGIN_IMPORT_TIMEOUT: 'import',
  HOST_PLUGIN_CONFIG_INVALID: 'config',
  HOST_PLUGIN_SECRET_MISSING: 'secrets',
  HOST_PLUGIN_SCHEMA_INVALID: 'tool schemas',
  HOST_PLUGIN_BREAKING_CHANGE: 'tool schemas',
  HOST_DUPLICATE_TOOL: 'tool names',
  HOST_PLUGIN_SETUP_FAILED: 'setup',
  HOST_PLUGIN_SETUP_TIMEOUT: 'setup',
};

const MCP_CHECK_OF_CODE: Partial<Record<HostErrorCode, LoadCheck>> = {
  HOST_PLUGIN_CONFIG_INVALID: 'variables',
  HOST_PLUGIN_SECRET_MISSING: 'variables',
  HOST_PLUGIN_MCP_CONNECT_FAILED: 'start',
  HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT: 'initialize',
  HOST_PLUGIN_MCP_PROTOCOL_ERROR: 'initialize',
  HOST_PLUGIN_VERSION_MISMATCH: 'version ranges',
  HOST_PLUGIN_SCHEMA_INVALID: 'tool schemas',
  HOST_DUPLICATE_TOOL: 'tool names',
};

/** Which named check a loader error code belongs to (for a package, or for an MCP server). */
export function checkOfCode(code: HostErrorCode, kind: 'npm' | 'mcp' = 'npm'): LoadCheck | undefined {
  return (kind === 'mcp' ? MCP_CHECK_OF_CODE : CHECK_OF_CODE)[code];
}

/** True for the codes that mean "this plugin does not fit this host or SDK". */
export function isCompatibilityCode(code: HostErrorCode): boolean {
  return code === 'HOST_PLUGIN_VERSION_MISMATCH' || code === 'HOST_PLUGIN_SDK_MISMATCH' || code === 'HOST_PLUGIN_HOST_MISMATCH';
}
