/**
 * What an API key may do: `chat` (the chat API), `admin` (the plugin admin API), `metrics` (/metrics),
 * `tools` (the plugins' tools over MCP at /mcp).
 */
export const API_KEY_SCOPES = ['chat', 'admin', 'metrics', 'tools'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Tenant ids: 1–64 letters, digits, `_`, `.` or `-`, starting with a letter or digit. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** How the caller was identified. */
export type PrincipalSource = 'api_key' | 'trusted_network' | 'auth_disabled';

/** The authenticated caller, attached to every protected request as `request.principal`. */
export interface Principal {
  readonly tenantId: string;
  /** The API key's public id; absent for trusted-network and auth-disabled callers. */
  readonly keyId?: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly source: PrincipalSource;
}

/** The scopes for messages that name the choices: `chat, admin, metrics or tools`. */
export const SCOPE_CHOICES = `${API_KEY_SCOPES.slice(0, -1).join(', ')} or ${API_KEY_SCOPES.at(-1)}`;

export function isApiKeyScope(value: string): value is ApiKeyScope {
  return (API_KEY_SCOPES as readonly string[]).includes(value);
}

/** Keeps the scopes this host knows, in canonical order (stored records may carry future ones). */
export function knownScopes(values: readonly string[]): ApiKeyScope[] {
  return API_KEY_SCOPES.filter((scope) => values.includes(scope));
}

export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes(scope);
}
