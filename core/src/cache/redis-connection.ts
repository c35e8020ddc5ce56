/** A `host:port` pair of a Sentinel or Cluster node. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

interface Credentials {
  readonly username?: string;
  readonly password?: string;
  /** rediss…: TLS to every Redis node. */
  readonly tls: boolean;
}

/**
 * What REDIS_URL names:
 * - `redis://[user:password@]host[:port][/db]` or `rediss://…` — one server (ioredis parses it);
 * - `redis+sentinel://[user:password@]host:port[,host:port…]/<master name>[/db][?sentinelPassword=…]`
 *   — the sentinels to ask for the current primary of `<master name>` (failover follows it);
 * - `redis+cluster://[user:password@]host:port[,host:port…]` — seed nodes of a Redis Cluster.
 * `rediss+sentinel://` and `rediss+cluster://` use TLS to the Redis nodes.
 */
export type RedisConnection =
  | { readonly kind: 'standalone'; readonly url: string }
  | (Credentials & {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisNodeAddress[];
      readonly masterName: string;
      readonly db: number;
      readonly sentinelPassword?: string;
    })
  | (Credentials & { readonly kind: 'cluster'; readonly nodes: readonly RedisNodeAddress[] });

const SCHEMES: Record<string, { kind: RedisConnection['kind']; tls: boolean; defaultPort: number }> = {
  redis: { kind: 'standalone', tls: false, defaultPort: 6379 },
  rediss: { kind: 'standalone', tls: true, defaultPort: 6379 },
  'redis+sentinel': { kind: 'sentinel', tls: false, defaultPort: 26379 },
  'rediss+sentinel': { kind: 'sentinel', tls: true, defaultPort: 26379 },
  'redis+cluster': { kind: 'cluster', tls: false, defaultPort: 6379 },
  'rediss+cluster': { kind: 'cluster', tls: true, defaultPort: 6379 },
};

// scheme://[userinfo@]hosts[/path][?query]; userinfo may hold ':' but not '@' or '/'.
const SHAPE = /^([a-z+]+):\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/;
const NODE = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::(\d{1,5}))?$/i;
const MASTER_NAME = /^[A-Za-z0-9._-]{1,128}$/;
// Bounded so a hostile value cannot make the host open thousands of connections.
const MAX_NODES = 64;

/** Why a REDIS_URL value is unusable (naming the fix), or undefined when it is fine. */
export function redisUrlProblem(text: string): string | undefined {
  try {
    parseRedisConnection(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function decode(part: string | undefined): string | undefined {
  if (part === undefined || part === '') return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error('the user name or password is not valid percent-encoding');
  }
}

function parseNodes(list: string, defaultPort: number): RedisNodeAddress[] {
  const entries = list.split(',');
  if (entries.length > MAX_NODES) throw new Error(`at most ${MAX_NODES} hosts, got ${entries.length}`);
  return entries.map((entry, index) => {
    const match = NODE.exec(entry.trim());
    // Never quoted: with an unescaped / ? # in the password, part of the credentials lands here.
    if (!match) throw new Error(`host #${index + 1} is not host or host:port (percent-encode / ? # @ in a user name or password)`);
    const port = match[3] === undefined ? defaultPort : Number(match[3]);
    if (port < 1 || port > 65_535) throw new Error(`port ${port} is out of range`);
    return { host: match[1] ?? match[2]!, port };
  });
}

/** Parses REDIS_URL; throws an Error whose message names the problem and the expected form. */
export function parseRedisConnection(text: string): RedisConnection {
  const match = SHAPE.exec(text.trim());
  const scheme = match?.[1];
  const shape = scheme === undefined ? undefined : SCHEMES[scheme];
  if (!match || !shape) {
    throw new Error('expected redis://host:port, rediss://…, redis+sentinel://host:port,…/<master name> or redis+cluster://host:port,…');
  }
  const [, , userinfo, hosts = '', path = '', query = ''] = match;
  const nodes = parseNodes(hosts, shape.defaultPort);
  if (shape.kind === 'standalone') {
    if (nodes.length > 1) throw new Error(`${scheme}:// takes one host; list several with redis+sentinel:// or redis+cluster://`);
    return { kind: 'standalone', url: text.trim() };
  }
  const separator = userinfo?.indexOf(':') ?? -1;
  const username = decode(separator === -1 ? userinfo : userinfo!.slice(0, separator));
  const password = decode(separator === -1 ? undefined : userinfo!.slice(separator + 1));
  const credentials = { ...(username ? { username } : {}), ...(password ? { password } : {}), tls: shape.tls };
  const parameters = new URLSearchParams(query);
  if (shape.kind === 'cluster') {
    if (path !== '' && path !== '/') throw new Error('redis+cluster:// takes no path (a cluster has only database 0)');
    return { kind: 'cluster', nodes, ...credentials };
  }
  const [masterName = '', dbText, ...rest] = path.replace(/^\//, '').split('/');
  if (!MASTER_NAME.test(masterName)) throw new Error('redis+sentinel:// needs the master name as its path, e.g. redis+sentinel://s1:26379,s2:26379/mymaster');
  if (rest.length > 0 || (dbText !== undefined && !/^\d{1,2}$/.test(dbText))) throw new Error('after the master name only a database number may follow, e.g. /mymaster/0');
  const sentinelPassword = parameters.get('sentinelPassword') ?? undefined;
  return {
    kind: 'sentinel',
    sentinels: nodes,
    masterName,
    db: dbText === undefined ? 0 : Number(dbText),
    ...credentials,
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}
