import { HostError } from '../errors/index.js';
import { NetworkList, normalizeIp } from './network-list.js';

/** The parts of a request the client address depends on (a FastifyRequest fits). */
export interface ClientAddressSource {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Returns the client's IP address for a request. */
export type ClientIpResolver = (request: ClientAddressSource) => string;

/**
 * The client IP comes from the socket, because X-Forwarded-For is whatever the client wrote. Only when
 * the socket peer is one of the operator's trusted proxies (ACAI_TRUSTED_PROXIES) do we read
 * X-Forwarded-For, from the right, skipping trusted hops: the right-most untrusted address is the
 * client; anything left of it could be forged.
 */
export function createClientIpResolver(trustedProxies: readonly string[]): ClientIpResolver {
  let proxies: NetworkList;
  try {
    proxies = new NetworkList(trustedProxies);
  } catch (error) {
    throw new HostError('HOST_CONFIG_INVALID', `ACAI_TRUSTED_PROXIES: ${(error as Error).message}`, { cause: error });
  }
  return (request) => {
    const peer = normalizeIp(request.socket.remoteAddress ?? '');
    if (proxies.isEmpty || !proxies.contains(peer)) return peer;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((hop) => normalizeIp(hop))
      .filter((hop) => hop.length > 0);
    for (let index = hops.length - 1; index >= 0; index -= 1) {
      const hop = hops[index]!;
      if (!proxies.contains(hop)) return hop;
    }
    // Every hop is a trusted proxy: the left-most is the closest thing to a client we have.
    return hops[0] ?? peer;
  };
}
