import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { loadHostConfig } from './env-config.js';

describe('loadHostConfig', () => {
  it('starts on embedded defaults when nothing is set', () => {
    const config = loadHostConfig({}, '/srv/acai');
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.pluginsConfigPath).toBe('/srv/acai/plugins.config.json');
    expect(config.dataDir).toBe('/srv/acai/.acai-data');
    expect(config.mongodb.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.model.isConfigured).toBe(false);
    expect(config.chat.maxToolSteps).toBe(8);
    expect(config.chat.maxMessageBytes).toBe(32 * 1024);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('treats a model plus a local base URL as configured without an API key', () => {
    const config = loadHostConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OPENAI_MODEL: 'llama3.2' });
    expect(config.model.isConfigured).toBe(true);
    expect(config.model.titleModel).toBe('llama3.2');
  });

  it('reports every invalid variable at once, naming each', () => {
    let caught: unknown;
    try {
      loadHostConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', MONGODB_URL: 'http://db', AUTH_DISABLED: 'maybe' });
    } catch (error) {
      caught = error;
    }
    expect(HostError.isInstance(caught)).toBe(true);
    const message = (caught as HostError).message;
    expect((caught as HostError).code).toBe('HOST_CONFIG_INVALID');
    for (const name of ['PORT', 'LOG_LEVEL', 'MONGODB_URL', 'AUTH_DISABLED']) expect(message).toContain(name);
  });
});
