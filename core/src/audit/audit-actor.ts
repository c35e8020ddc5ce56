import { hostname, userInfo } from 'node:os';
import type { Principal } from '../auth/index.js';
import type { OperatorActor } from '../storage/operator/index.js';

/** The host itself (the config file watcher, SIGHUP, an MCP server whose tools changed). */
export const HOST_ACTOR: OperatorActor = Object.freeze({ source: 'host' });

/** The authenticated caller as the audit trail names it: key id, tenant and how it was identified. */
export function actorFromPrincipal(principal: Principal): OperatorActor {
  return { source: principal.source, tenantId: principal.tenantId, ...(principal.keyId === undefined ? {} : { keyId: principal.keyId }) };
}

/** The acai CLI working on the host's store directly (`acai keys`): the OS user and machine. */
export function cliActor(): OperatorActor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the machine alone
  }
  return { source: 'cli', name: `${user}@${hostname()}` };
}
