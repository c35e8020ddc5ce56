import { HostError } from '../errors/index.js';
import { NetworkList } from '../client-address/index.js';
import { isApiKeyScope, SCOPE_CHOICES, type ApiKeyScope } from './principal.js';

/** Keyless access for legacy clients from a network range, as a fixed tenant with fixed scopes. */
export interface TrustedNetwork {
  readonly cidr: string;
  readonly tenantId: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly networks: NetworkList;
}

/**
 * Parses ACAI_TRUSTED_NETWORKS entries: `cidr`, `cidr=tenant` or `cidr=tenant:scope+scope`
 * (e.g. `10.0.0.0/8=legacy:chat`). Defaults: tenant `default`, scope `chat`.
 */
export function parseTrustedNetworks(entries: readonly string[], defaults: { tenantId?: string; scopes?: readonly ApiKeyScope[] } = {}): TrustedNetwork[] {
  return entries.map((entry) => {
    const [cidr = '', target] = entry.split('=').map((part) => part.trim());
    const [tenant, scopeText] = (target ?? '').split(':').map((part) => part.trim());
    const scopes = scopeText ? scopeText.split('+').map((scope) => scope.trim()) : [...(defaults.scopes ?? ['chat'])];
    const unknown = scopes.filter((scope) => !isApiKeyScope(scope));
    if (unknown.length > 0) {
      throw new HostError('HOST_CONFIG_INVALID', `ACAI_TRUSTED_NETWORKS "${entry}": unknown scope ${unknown.join(', ')} (use ${SCOPE_CHOICES})`);
    }
    try {
      return { cidr, tenantId: tenant || defaults.tenantId || 'default', scopes: scopes as ApiKeyScope[], networks: new NetworkList([cidr]) };
    } catch (error) {
      throw new HostError('HOST_CONFIG_INVALID', `ACAI_TRUSTED_NETWORKS: ${(error as Error).message}`, { cause: error });
    }
  });
}
