import { isIP } from 'node:net';
import { parseHostPattern } from '../permissions/index.js';
import type { ForwarderConfig } from './sandbox-forwarder.js';

/** The loopback side of a sandbox's network: forwarder listeners and the hosts file that points names at them. */
export interface ForwarderPlan {
  readonly listeners: ForwarderConfig['listeners'];
  /** /etc/hosts inside the sandbox. */
  readonly hostsFile: string;
}

const DEFAULT_PORTS = [443, 80] as const;
/** 127.0.0.1 is the sandbox's own loopback; granted names get 127.0.0.2 onwards. */
const FIRST_NAME_ADDRESS = 2;
const LAST_NAME_ADDRESS = 254;

/**
 * Turns granted host patterns into loopback listeners. A name gets a loopback address of its own (the
 * hosts file maps it), with a listener on its granted port, or on 443 and 80 when any port is granted;
 * a loopback IP (127.x, "localhost") is served at that address. Wildcards and other IP addresses cannot
 * be listed: those are reachable through HTTPS_PROXY only.
 */
export function planForwarder(patterns: readonly string[]): ForwarderPlan {
  const listeners = new Map<string, ForwarderConfig['listeners'][number]>();
  const names: string[] = ['127.0.0.1 localhost', '::1 localhost'];
  let nextAddress = FIRST_NAME_ADDRESS;
  const addressOfName = new Map<string, string>();
  for (const pattern of patterns) {
    const { hostname, isWildcard, port } = parseHostPattern(pattern);
    if (isWildcard) continue;
    let address: string | undefined;
    if (hostname === 'localhost') address = '127.0.0.1';
    else if (isIP(hostname) === 4) address = hostname.startsWith('127.') ? hostname : undefined;
    else if (isIP(hostname) === 0) {
      address = addressOfName.get(hostname);
      if (address === undefined && nextAddress <= LAST_NAME_ADDRESS) {
        address = `127.0.0.${nextAddress++}`;
        addressOfName.set(hostname, address);
        names.push(`${address} ${hostname}`);
      }
    }
    if (address === undefined) continue;
    for (const listenPort of port === undefined ? DEFAULT_PORTS : [port]) {
      listeners.set(`${address}:${listenPort}`, { address, port: listenPort, destination: `${hostname}:${listenPort}` });
    }
  }
  // Ports below 1024 (80, 443) are fine: the forwarder holds the capabilities of the outer sandbox's own namespaces.
  return { listeners: [...listeners.values()], hostsFile: `${names.join('\n')}\n` };
}
