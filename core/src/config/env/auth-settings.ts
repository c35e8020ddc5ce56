import type { EnvReader } from './env-reader.js';

/** Who may call the API. */
export interface AuthSettings {
  readonly disabled: boolean;
  readonly bootstrapKeys: string | undefined;
  readonly keysFile: string | undefined;
  /** CIDR ranges allowed without a key (legacy clients), as "cidr" or "cidr=tenant". */
  readonly trustedNetworks: readonly string[];
  readonly trustedProxies: readonly string[];
}

/** AUTH_DISABLED, ACAI_API_KEYS, ACAI_API_KEYS_FILE, ACAI_TRUSTED_NETWORKS, ACAI_TRUSTED_PROXIES. */
export function readAuthSettings(read: EnvReader): AuthSettings {
  return {
    disabled: read.flag('AUTH_DISABLED', false),
    bootstrapKeys: read.text('ACAI_API_KEYS'),
    keysFile: read.path('ACAI_API_KEYS_FILE'),
    trustedNetworks: read.list('ACAI_TRUSTED_NETWORKS'),
    trustedProxies: read.list('ACAI_TRUSTED_PROXIES'),
  };
}
