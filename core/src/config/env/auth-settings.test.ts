import { describe, expect, it } from 'vitest';
import { readAuthSettings } from './auth-settings.js';
import { EnvReader } from './env-reader.js';

describe('readAuthSettings', () => {
  it('requires keys by default and trusts no network or proxy', () => {
    expect(readAuthSettings(new EnvReader({}, '/srv'))).toEqual({ disabled: false, bootstrapKeys: undefined, keysFile: undefined, trustedNetworks: [], trustedProxies: [] });
  });

  it('reads the key sources and the trusted lists, resolving the keys file against the working directory', () => {
    const settings = readAuthSettings(
      new EnvReader({ ACAI_API_KEYS: 'acai_k1=tenant-a', ACAI_API_KEYS_FILE: 'keys.json', ACAI_TRUSTED_NETWORKS: '10.0.0.0/8=legacy, 192.168.0.0/16', ACAI_TRUSTED_PROXIES: '127.0.0.1' }, '/srv/acai'),
    );
    expect(settings).toEqual({ disabled: false, bootstrapKeys: 'acai_k1=tenant-a', keysFile: '/srv/acai/keys.json', trustedNetworks: ['10.0.0.0/8=legacy', '192.168.0.0/16'], trustedProxies: ['127.0.0.1'] });
  });

  it('reports an AUTH_DISABLED that is not a yes or no', () => {
    const read = new EnvReader({ AUTH_DISABLED: 'maybe' }, '/srv');
    expect(readAuthSettings(read).disabled).toBe(false);
    expect(read.problems).toEqual(['AUTH_DISABLED: expected true or false, got "maybe"']);
  });
});
