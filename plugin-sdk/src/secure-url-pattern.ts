// A plugin's config names the URLs its tools fetch. Plain HTTP would let anyone on the path read or
// rewrite the answers (and the API keys some providers take in the query), so only HTTPS is accepted,
// except for a server on the loopback interface, which is how tests reach their local fakes.
const SECURE_ORIGIN = '(https://[^\\s/?#]+|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]{1,5})?)';

/**
 * JSON Schema `pattern` for a URL in a plugin's config: HTTPS, or plain HTTP to a loopback test server.
 * The URL may carry a query string (an iCal feed link often does).
 *
 * @example
 * configSchema: { type: 'object', properties: { feedUrl: { type: 'string', pattern: SECURE_URL_PATTERN } } }
 */
export const SECURE_URL_PATTERN: string = `^${SECURE_ORIGIN}(/[^\\s#]*)?$`;

/**
 * Like {@link SECURE_URL_PATTERN}, but without a query string: for a base URL or endpoint that the plugin
 * appends its own query to, where a second `?` would break the request or smuggle parameters in.
 *
 * @example
 * configSchema: { type: 'object', properties: { baseUrl: { type: 'string', pattern: SECURE_BASE_URL_PATTERN } } }
 */
export const SECURE_BASE_URL_PATTERN: string = `^${SECURE_ORIGIN}(/[^\\s?#]*)?$`;
