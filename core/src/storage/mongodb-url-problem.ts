// mongodb://[user:password@]host[:port][,host[:port]…][/[database]][?options]
// mongodb+srv://[user:password@]host[/[database]][?options]   (one host name, no port: DNS lists the servers)
const SHAPE = /^(mongodb|mongodb\+srv):\/\/(?:([^@/?#]*)@)?([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/;
const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i;
const MAX_HOSTS = 64;

/**
 * Why a MONGODB_URL value is unusable, naming the expected form, or undefined when it is fine.
 * WHATWG `URL` cannot parse a replica-set seed list (`h1:27017,h2:27017`), so the shape is checked
 * here and the driver parses the rest (replicaSet, tls, authSource, readPreference…).
 */
export function mongodbUrlProblem(text: string): string | undefined {
  const match = SHAPE.exec(text.trim());
  if (!match) return 'expected mongodb://host[:port][,host[:port]…]/database or mongodb+srv://host/database';
  const [, scheme, , hosts = '', path = ''] = match;
  const list = hosts.split(',');
  if (list.length > MAX_HOSTS) return `at most ${MAX_HOSTS} hosts, got ${list.length}`;
  for (const [index, host] of list.entries()) {
    const parsed = HOST.exec(host);
    // Never quoted: with an unescaped / ? # in the password, part of the credentials lands here.
    if (!parsed) return `host #${index + 1} is not host or host:port (percent-encode / ? # @ in a user name or password)`;
    if (parsed[1] !== undefined && (Number(parsed[1]) < 1 || Number(parsed[1]) > 65_535)) return `port ${parsed[1]} is out of range`;
    if (scheme === 'mongodb+srv' && (list.length > 1 || parsed[1] !== undefined)) return 'mongodb+srv:// takes one host name without a port';
  }
  if (/[/\\. "$*<>:|?]/.test(decodeURIComponentSafe(path.replace(/^\//, '')))) return 'the database name in the path may not contain / \\ . space " $ * < > : | ?';
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '%';
  }
}
