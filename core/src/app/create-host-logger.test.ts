import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../config/env-config.js';
import { createHostLogger } from './create-host-logger.js';

describe('createHostLogger', () => {
  it('scrubs the host config’s own secrets from every line before any later step can log one', () => {
    const lines: string[] = [];
    const config = loadHostConfig(
      {
        OPENAI_API_KEY: 'sk-model-key-123456',
        OPENAI_MODEL: 'gpt-test',
        TELEGRAM_BOT_TOKEN: '123456:telegram-token-abcdef',
        TELEGRAM_WEBHOOK_SECRET: 'webhook-secret-987',
        MONGODB_URL: 'mongodb://acai:mongo-pass-42@db.internal:27017/acai',
        REDIS_URL: 'redis://:redis-pass-77@cache.internal:6379',
      },
      '/srv/acai',
    );
    const { logger } = createHostLogger(config, { write: (line: string) => void lines.push(line) });
    logger.info(
      { detail: 'key sk-model-key-123456, token 123456:telegram-token-abcdef, secret webhook-secret-987, mongo-pass-42, redis-pass-77' },
      'starting',
    );
    expect(lines).toHaveLength(1);
    for (const secret of ['sk-model-key-123456', 'telegram-token-abcdef', 'webhook-secret-987', 'mongo-pass-42', 'redis-pass-77']) expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ service: 'acai', msg: 'starting' });
  });

  it('returns the registry, so later steps add the secrets they learn', () => {
    const lines: string[] = [];
    const { logger, secrets } = createHostLogger(loadHostConfig({}, '/srv/acai'), { write: (line: string) => void lines.push(line) });
    secrets.register('bootstrap-key-000111');
    logger.warn('leaked bootstrap-key-000111');
    expect(lines[0]).not.toContain('bootstrap-key-000111');
  });
});
