import { fileURLToPath } from 'node:url';
import { createHarness } from '@acai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import plugin from './index.js';
import { weatherConfigSchema } from './weather-config.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));

async function configFrom(config: Record<string, unknown>): Promise<Readonly<Record<string, unknown>>> {
  const harness = await createHarness(plugin, { packageJson, config });
  try {
    return harness.config;
  } finally {
    await harness.dispose();
  }
}

describe('the weather config schema', () => {
  it('fills every setting but the key from its own defaults, so the tools never need fallbacks', async () => {
    const config = await configFrom({});
    for (const [key, property] of Object.entries(weatherConfigSchema.properties)) {
      if (key === 'apiKey') expect(config).not.toHaveProperty('apiKey');
      else expect(config[key]).toEqual('default' in property ? property.default : Symbol('a default is missing'));
    }
  });

  it('keeps what the operator set and fills only the rest', async () => {
    const config = await configFrom({ provider: 'weatherapi', apiKey: 'k', cacheTtlSeconds: 0 });
    expect(config).toMatchObject({ provider: 'weatherapi', apiKey: 'k', cacheTtlSeconds: 0, staleTtlSeconds: weatherConfigSchema.properties.staleTtlSeconds.default });
  });

  it('refuses WeatherAPI.com without a key, plain-HTTP URLs off loopback and out-of-range numbers', async () => {
    await expect(configFrom({ provider: 'weatherapi' })).rejects.toThrow(/apiKey/);
    await expect(configFrom({ openMeteoForecastUrl: 'http://api.open-meteo.com/v1/forecast' })).rejects.toThrow(/openMeteoForecastUrl/);
    await expect(configFrom({ requestTimeoutMs: 10 ** 9 })).rejects.toThrow(/requestTimeoutMs/);
    await expect(configFrom({ provider: 'weatherapi', apiKey: 'k', colour: 'red' })).rejects.toThrow(/colour/);
  });
});
