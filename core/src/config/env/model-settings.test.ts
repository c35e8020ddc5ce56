import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readModelSettings } from './model-settings.js';

const settings = (env: Record<string, string>) => readModelSettings(new EnvReader(env, '/srv'));

describe('readModelSettings', () => {
  it('is not configured without a model, or with a model but neither key nor base URL', () => {
    expect(settings({}).isConfigured).toBe(false);
    expect(settings({ OPENAI_MODEL: 'gpt-4o-mini' }).isConfigured).toBe(false);
    expect(settings({ OPENAI_API_KEY: 'sk-test' }).isConfigured).toBe(false);
  });

  it('is configured with a model and a key, or a model and a local base URL without a key', () => {
    expect(settings({ OPENAI_MODEL: 'gpt-4o-mini', OPENAI_API_KEY: 'sk-test' }).isConfigured).toBe(true);
    expect(settings({ OPENAI_MODEL: 'llama3.2', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toMatchObject({ isConfigured: true, apiKey: undefined });
  });

  it('uses the reply model for titles unless OPENAI_TITLE_MODEL is set', () => {
    expect(settings({ OPENAI_MODEL: 'big' }).titleModel).toBe('big');
    expect(settings({ OPENAI_MODEL: 'big', OPENAI_TITLE_MODEL: 'small' }).titleModel).toBe('small');
  });

  it('defaults to 30 s attempts, 3 attempts and no streaming, and reads each', () => {
    expect(settings({})).toMatchObject({ timeoutMs: 30_000, maxAttempts: 3, stream: false });
    expect(settings({ OPENAI_TIMEOUT_MS: '100', OPENAI_MAX_ATTEMPTS: '1', OPENAI_STREAM: 'on' })).toMatchObject({ timeoutMs: 100, maxAttempts: 1, stream: true });
  });

  it('offers strict tool schemas on auto unless OPENAI_STRICT_TOOLS says on or off (any case)', () => {
    expect(settings({}).strictTools).toBe('auto');
    expect(settings({ OPENAI_STRICT_TOOLS: 'off' }).strictTools).toBe('off');
    expect(settings({ OPENAI_STRICT_TOOLS: 'ON' }).strictTools).toBe('on');
  });

  it('reports a base URL that is not http(s), out-of-range numbers and unknown choices, naming each variable', () => {
    const read = new EnvReader(
      { OPENAI_BASE_URL: 'file:///etc/passwd', OPENAI_TIMEOUT_MS: '99', OPENAI_MAX_ATTEMPTS: '11', OPENAI_STREAM: 'perhaps', OPENAI_STRICT_TOOLS: 'true; rm -rf /' },
      '/srv',
    );
    readModelSettings(read);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual(['OPENAI_BASE_URL', 'OPENAI_TIMEOUT_MS', 'OPENAI_MAX_ATTEMPTS', 'OPENAI_STREAM', 'OPENAI_STRICT_TOOLS']);
    expect(read.problems.at(-1)).toContain('expected one of auto, on, off');
  });
});
