import { BlockList, isIP } from 'node:net';

/** Strips `::ffff:` from IPv4-mapped IPv6 addresses so `10.0.0.0/8` matches a dual-stack socket's peer. */
export function normalizeIp(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

/** A set of CIDR ranges (IPv4 and IPv6); a bare address means a single host. */
export class NetworkList {
  readonly #blockList = new BlockList();
  readonly #entries: readonly string[];

  /** Throws a plain Error naming the bad entry; callers wrap it with the variable name. */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address = '', prefixText] = cidr.trim().split('/');
      const normalized = normalizeIp(address);
      const family = isIP(normalized);
      if (family === 0) throw new Error(`"${cidr}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const maxPrefix = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) throw new Error(`"${cidr}" has an invalid prefix length`);
      this.#blockList.addSubnet(normalized, prefix, type);
    }
    this.#entries = cidrs;
  }

  get isEmpty(): boolean {
    return this.#entries.length === 0;
  }

  contains(address: string): boolean {
    if (this.#entries.length === 0) return false;
    const normalized = normalizeIp(address);
    const family = isIP(normalized);
    if (family === 0) return false;
    return this.#blockList.check(normalized, family === 4 ? 'ipv4' : 'ipv6');
  }
}
