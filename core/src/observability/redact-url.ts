// scheme://user:password@host → scheme://user:***@host, anywhere inside a longer text.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*:)([^\s@/"']+)(@)/gi;
// ?api_key=…, &token=…, ?sentinelPassword=…, &client_secret=… in logged URLs: any parameter whose
// name ends in key, token, secret or password (case-insensitive).
const SECRET_QUERY_PARAMETERS = /([?&][a-z0-9_-]*(?:key|token|secret|password)=)[^&#\s"']+/gi;

/**
 * Hides the password of every connection string or URL inside `text`, and secret-looking query
 * parameters: `mongodb://user:pass@host` → `mongodb://user:***@host`.
 */
export function redactUrl(text: string): string {
  // Every log line passes through here: skip a scan that cannot match (each pattern needs its "://" or
  // "=") instead of running the regular expression over the whole line.
  const withoutCredentials = text.includes('://') ? text.replace(URL_CREDENTIALS, '$1***$3') : text;
  return withoutCredentials.includes('=') ? withoutCredentials.replace(SECRET_QUERY_PARAMETERS, '$1***') : withoutCredentials;
}
