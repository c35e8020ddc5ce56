import { HostError } from '../../errors/index.js';
import { isInside } from './path-inside.js';
import { patternCovers } from './host-patterns.js';
import { describePermissionSet, toPermissionsBlock, type PermissionSet } from './permission-set.js';

/** What a request asks for beyond its grant, as a smaller request (empty when the grant covers it). */
export function missingFromGrant(request: PermissionSet, grant: PermissionSet): PermissionSet {
  return {
    network: request.network.filter((host) => !grant.network.some((granted) => patternCovers(granted, host))),
    env: request.env.filter((name) => !grant.env.includes(name)),
    read: request.read.filter((path) => !grant.read.some((granted) => isInside(path, granted))),
    scratchMb: request.scratchMb !== undefined && (grant.scratchMb === undefined || grant.scratchMb < request.scratchMb) ? request.scratchMb : undefined,
    processes: request.processes && !grant.processes,
  };
}

/**
 * Check "request within grant": a plugin loads only when its operator granted everything it asks for.
 * The error names each missing permission and the exact `permissions` block that would grant the request.
 */
export function checkPermissionGrant(request: PermissionSet, grant: PermissionSet, source: string): void {
  const missing = missingFromGrant(request, grant);
  const lines = describePermissionSet(missing);
  if (missing.network.length + missing.env.length + missing.read.length === 0 && missing.scratchMb === undefined && !missing.processes) return;
  const needed: PermissionSet = {
    network: [...new Set([...grant.network, ...request.network])].sort(),
    env: [...new Set([...grant.env, ...request.env])].sort(),
    read: [...new Set([...grant.read, ...missing.read])].sort(),
    scratchMb: request.scratchMb === undefined ? grant.scratchMb : Math.max(request.scratchMb, grant.scratchMb ?? 0),
    processes: grant.processes || request.processes,
  };
  throw new HostError(
    'HOST_PLUGIN_PERMISSION_NOT_GRANTED',
    `${source}: the plugin asks for permissions its grant does not include: ${lines.join('; ')}. ` +
      `Review the request (acai plugin validate shows it) and, to allow it, set "permissions": ${JSON.stringify(toPermissionsBlock(needed))} on this entry in plugins.config.json (acai plugin add writes it after asking).`,
  );
}
