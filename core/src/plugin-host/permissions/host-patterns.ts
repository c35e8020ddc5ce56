// Host patterns as permissions list them (the rule of the SDK's HTTP client): "example.com" is that host
// on any port, "example.com:8443" that port only, "*.example.com" any subdomain on any port.

/** One parsed host pattern. */
export interface HostPattern {
  /** Lower-case host name; for a wildcard, the suffix after `*.` */
  readonly hostname: string;
  readonly isWildcard: boolean;
  /** Undefined: any port. */
  readonly port: number | undefined;
}

export function parseHostPattern(pattern: string): HostPattern {
  const lower = pattern.trim().toLowerCase();
  const isWildcard = lower.startsWith('*.');
  const body = isWildcard ? lower.slice(2) : lower;
  const colon = body.lastIndexOf(':');
  const port = colon === -1 ? undefined : Number(body.slice(colon + 1));
  return { hostname: colon === -1 ? body : body.slice(0, colon), isWildcard, port: Number.isInteger(port) ? port : undefined };
}

/** Whether a granted pattern allows everything a requested pattern asks for. */
export function patternCovers(granted: string, requested: string): boolean {
  const grant = parseHostPattern(granted);
  const request = parseHostPattern(requested);
  if (grant.port !== undefined && grant.port !== request.port) return false;
  if (!grant.isWildcard) return !request.isWildcard && grant.hostname === request.hostname;
  // "*.example.com" covers "api.example.com" and "*.api.example.com", not "example.com" itself.
  return request.hostname.endsWith(`.${grant.hostname}`) || (request.isWildcard && request.hostname === grant.hostname);
}

/** A predicate for concrete destinations (host name and port) against a list of patterns. */
export function createDestinationMatcher(patterns: readonly string[]): (hostname: string, port: number) => boolean {
  const parsed = patterns.map(parseHostPattern);
  return (hostname, port) => {
    const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    return parsed.some((pattern) => {
      if (pattern.port !== undefined && pattern.port !== port) return false;
      return pattern.isWildcard ? host.endsWith(`.${pattern.hostname}`) : host === pattern.hostname;
    });
  };
}
