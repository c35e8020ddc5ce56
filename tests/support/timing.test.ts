import { afterEach, describe, expect, it, vi } from 'vitest';
import { testTimeScale } from './env.js';
import { waitUntil } from './timing.js';

describe('waitUntil', () => {
  it('resolves with the first truthy value the condition gives, sync or async', async () => {
    let polls = 0;
    await expect(waitUntil(() => (++polls >= 3 ? 'ready' : undefined), 'three polls')).resolves.toBe('ready');
    expect(polls).toBe(3);
    await expect(waitUntil(async () => ({ port: 4242 }))).resolves.toEqual({ port: 4242 });
  });

  it('keeps polling through false, null, undefined, 0 and the empty string', async () => {
    const answers = [false, null, undefined, 0, '', 7];
    await expect(waitUntil(() => answers.shift())).resolves.toBe(7);
  });

  it('fails after its budget, naming what it waited for', async () => {
    await expect(waitUntil(() => false, 'the moon to rise', 60)).rejects.toThrow('the moon to rise did not happen within 60 ms');
  });

  it('fails at once when the condition throws', async () => {
    await expect(waitUntil(() => Promise.reject(new Error('redis-server exited')), 'a server')).rejects.toThrow('redis-server exited');
  });
});

describe('ACAI_TEST_TIME_SCALE', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('is 1 when unset or empty, and the given factor otherwise', () => {
    vi.stubEnv('ACAI_TEST_TIME_SCALE', '');
    expect(testTimeScale()).toBe(1);
    vi.stubEnv('ACAI_TEST_TIME_SCALE', '2.5');
    expect(testTimeScale()).toBe(2.5);
  });

  it.each(['0', '0.5', '-3', 'fast', '1e9', 'Infinity', '3; rm -rf /'])('refuses %j with a message naming the variable', (value) => {
    vi.stubEnv('ACAI_TEST_TIME_SCALE', value);
    expect(() => testTimeScale()).toThrow(/ACAI_TEST_TIME_SCALE must be a number from 1 to 100/);
  });
});
