// mongodb://[user:password@]host[:port][,host…][/database][?options]; the hosts are group 2, after the credentials.
const SHAPE = /^(mongodb|mongodb\+srv):\/\/(?:[^@/?#]*@)?([^/?#]+)/;
const DEFAULT_PORT = '27017';

/**
 * The servers a MONGODB_URL points at, as `host:port` (comma-separated for a seed list), for messages an
 * operator reads. Never the user name, password or options: only what follows the `@`. An SRV URL has
 * no port (DNS lists the servers), so it reads `mongodb+srv host`.
 */
export function describeMongodbTarget(url: string): string {
  const match = SHAPE.exec(url.trim());
  if (!match) return 'the MONGODB_URL servers';
  const [, scheme, hosts = ''] = match;
  if (scheme === 'mongodb+srv') return `mongodb+srv ${hosts}`;
  return hosts
    .split(',')
    .map((host) => (/:\d+$/.test(host) ? host : `${host}:${DEFAULT_PORT}`))
    .join(',');
}

/**
 * Why the driver could not use the server, in words that never quote the driver (its text can carry
 * the URL). Covers what an operator meets at start-up: nothing listening, an unknown host name, a
 * refused login, a timeout; anything else is named by the error's class only.
 */
export function describeMongodbFailure(error: unknown): string {
  const chain: Array<{ name?: unknown; code?: unknown; message?: unknown; codeName?: unknown }> = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth += 1) {
    chain.push(current as (typeof chain)[number]);
    const next = current as { cause?: unknown; reason?: { servers?: Map<string, { error?: unknown }> } };
    // A server-selection failure keeps the last error of each server in reason.servers.
    const serverError = next.reason?.servers instanceof Map ? [...next.reason.servers.values()].find((server) => server.error)?.error : undefined;
    current = next.cause ?? serverError;
  }
  const text = chain.map((link) => `${String(link.code ?? '')} ${String(link.codeName ?? '')} ${String(link.message ?? '')}`).join(' ');
  if (/ECONNREFUSED/.test(text)) return 'connection refused (is the server running and the port right?)';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'the host name does not resolve';
  if (/AuthenticationFailed|Authentication failed|\b18\b.*auth/i.test(text)) return 'authentication failed (check the user name, password and authSource in MONGODB_URL)';
  if (/ECONNRESET|EPIPE/.test(text)) return 'the server closed the connection (TLS or protocol mismatch?)';
  if (chain.some((link) => link.name === 'MongoServerSelectionError')) return 'no server answered in time';
  const name = chain.find((link) => typeof link.name === 'string')?.name;
  return typeof name === 'string' ? name : 'unknown error';
}
