// A secret-looking query parameter name: ends in key, token, secret or password (sentinelPassword, api_key…).
const SECRET_PARAMETER = /(?:key|token|secret|password)$/i;
// scheme://[user[:password]@]hosts[/path][?query] — hosts may be a list (replica sets, Sentinel, Cluster).
const SHAPE = /^[a-z][a-z0-9+.-]*:\/\/(?:([^@]*)@)?[^?#]*(?:\?([^#]*))?/i;

/**
 * The secret values inside a connection string (MONGODB_URL, REDIS_URL…): its password and every
 * secret-looking query parameter, decoded. They are registered with the SecretRegistry so they are
 * scrubbed wherever they turn up, not only where the URL shape can be recognised.
 */
export function connectionStringSecrets(text: string | undefined): string[] {
  const match = text === undefined ? null : SHAPE.exec(text.trim());
  if (match === null) return [];
  const [, userinfo, query] = match;
  const secrets: string[] = [];
  const separator = userinfo?.indexOf(':') ?? -1;
  if (userinfo !== undefined && separator !== -1) secrets.push(decodeLeniently(userinfo.slice(separator + 1)));
  for (const [name, value] of new URLSearchParams(query ?? '')) if (SECRET_PARAMETER.test(name)) secrets.push(value);
  return secrets.filter((secret) => secret !== '');
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
