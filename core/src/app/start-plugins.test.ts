import { describe, expect, it } from 'vitest';
import { parsePluginsConfig } from '../config/plugins-config.js';
import { SecretRegistry } from '../observability/index.js';
import { registerPluginSecrets } from './start-plugins.js';

describe('registerPluginSecrets', () => {
  it('registers values of secret-looking config keys and the secrets an MCP entry passes on, nothing else', () => {
    const pluginsConfig = parsePluginsConfig(
      {
        plugins: [
          { name: 'weather', package: '@acai/plugin-weather', config: { provider: 'weatherapi', apiKey: 'weather-key-123456', cacheTtlSeconds: 600 } },
          { name: 'search', mcp: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${SEARCH_TOKEN}' } } },
        ],
      },
      { path: '/srv/acai/plugins.config.json', env: { SEARCH_TOKEN: 'search-token-abcdef' } },
    );
    const secrets = new SecretRegistry();
    registerPluginSecrets(pluginsConfig, secrets);
    const line = 'weather-key-123456 | Bearer search-token-abcdef | weatherapi | https://mcp.example.com/mcp';
    const scrubbed = secrets.scrub(line);
    expect(scrubbed).not.toContain('weather-key-123456');
    expect(scrubbed).not.toContain('search-token-abcdef');
    // Plain config values and the server's address stay readable.
    expect(scrubbed).toMatch(/^\[REDACTED\] \| .*\[REDACTED\] \| weatherapi \| https:\/\/mcp\.example\.com\/mcp$/);
  });
});
