// Permissions: what a plugin asks for (its manifest, or an MCP entry's `mcp.permissions`), what its operator
// grants (`permissions` in plugins.config.json), and the check that the one fits in the other.
export { checkPermissionGrant, missingFromGrant } from './check-grant.js';
export { createDestinationMatcher, parseHostPattern, patternCovers } from './host-patterns.js';
export type { HostPattern } from './host-patterns.js';
export { isInside } from './path-inside.js';
export {
  describePermissionSet,
  isEmptyPermissionSet,
  manifestRequest,
  NO_PERMISSIONS,
  toPermissionsBlock,
  toPermissionSet,
} from './permission-set.js';
export type { PermissionSet } from './permission-set.js';
