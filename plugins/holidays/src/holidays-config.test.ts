import { fileURLToPath } from 'node:url';
import { createHarness } from '@acai/plugin-sdk/testing';
import { describe, expect, it } from 'vitest';
import { holidaysConfigSchema } from './holidays-config.js';
import plugin from './index.js';

const packageJson = fileURLToPath(new URL('../package.json', import.meta.url));

describe('the holidays config schema', () => {
  it('fills the feed limits from its own defaults, so the tools never need fallbacks', async () => {
    const harness = await createHarness(plugin, { packageJson, config: {} });
    try {
      for (const [key, property] of Object.entries(holidaysConfigSchema.properties)) {
        if ('default' in property) expect(harness.config[key]).toBe(property.default);
        else expect(harness.config).not.toHaveProperty(key);
      }
    } finally {
      await harness.dispose();
    }
  });

  it('refuses an iCal URL over plain HTTP off loopback and limits out of range', async () => {
    await expect(createHarness(plugin, { packageJson, config: { icalUrl: 'http://calendar.example.com/feed.ics' } })).rejects.toThrow(/icalUrl/);
    await expect(createHarness(plugin, { packageJson, config: { icalMaxBytes: 10 } })).rejects.toThrow(/icalMaxBytes/);
  });
});
