import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readTelegramSettings } from './telegram-settings.js';

describe('readTelegramSettings', () => {
  it('leaves the bot off when nothing is set', () => {
    expect(readTelegramSettings(new EnvReader({}, '/srv'))).toEqual({ botToken: undefined, webhookSecret: undefined, apiRoot: undefined });
  });

  it('reads the token, the webhook secret and a self-hosted Bot API root', () => {
    const settings = readTelegramSettings(new EnvReader({ TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_WEBHOOK_SECRET: 's3cret', TELEGRAM_API_ROOT: 'http://127.0.0.1:8081' }, '/srv'));
    expect(settings).toEqual({ botToken: '123:abc', webhookSecret: 's3cret', apiRoot: 'http://127.0.0.1:8081' });
  });

  it('reports an API root that is not an http(s) URL', () => {
    const read = new EnvReader({ TELEGRAM_API_ROOT: 'javascript:alert(1)' }, '/srv');
    readTelegramSettings(read);
    expect(read.problems).toEqual(['TELEGRAM_API_ROOT: expected a http: or https: URL, got protocol "javascript:"']);
  });
});
