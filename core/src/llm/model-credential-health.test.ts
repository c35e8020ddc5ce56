import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import type { ModelClient } from './model-client.js';
import { ModelCredentialHealth } from './model-credential-health.js';
import { createTokenCounter } from './token-counter.js';

const REJECTED = new HostError('HOST_MODEL_CREDENTIALS_REJECTED', 'the model endpoint rejected the host\'s model API key (HTTP 401)');

/** A model client whose calls fail with the queued errors, then succeed. */
function scriptedClient(failures: unknown[]): ModelClient {
  return {
    isConfigured: true,
    model: 'gpt-test',
    tokenCounter: createTokenCounter('gpt-test'),
    complete: async () => {
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return { content: 'ok', toolCalls: [], finishReason: 'stop' } as never;
    },
  };
}

const call = { signal: new AbortController().signal, deadline: Date.now() + 60_000 };

describe('ModelCredentialHealth', () => {
  it('is unknown before any call, rejected after a credential rejection, accepted after a success', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const health = new ModelCredentialHealth(() => now);
    const client = health.watch(scriptedClient([REJECTED, REJECTED]));
    expect(health.verdict).toEqual({ state: 'unknown' });
    await expect(client.complete({ purpose: 'reply', messages: [] }, call)).rejects.toBe(REJECTED);
    now = new Date('2026-01-01T00:05:00Z');
    await expect(client.complete({ purpose: 'reply', messages: [] }, call)).rejects.toBe(REJECTED);
    // "since" is the first rejection in the run.
    expect(health.verdict).toEqual({ state: 'rejected', message: REJECTED.message, since: new Date('2026-01-01T00:00:00Z') });
    await client.complete({ purpose: 'reply', messages: [] }, call);
    expect(health.verdict).toEqual({ state: 'accepted' });
  });

  it('ignores failures that say nothing about the key', async () => {
    const health = new ModelCredentialHealth();
    const client = health.watch(scriptedClient([new HostError('HOST_MODEL_UNAVAILABLE', 'try later'), new Error('boom')]));
    await expect(client.complete({ purpose: 'reply', messages: [] }, call)).rejects.toThrow('try later');
    await expect(client.complete({ purpose: 'reply', messages: [] }, call)).rejects.toThrow('boom');
    expect(health.verdict).toEqual({ state: 'unknown' });
  });

  it('keeps a rejection of one purpose while another purpose (another model) succeeds', async () => {
    const health = new ModelCredentialHealth();
    const client = health.watch(scriptedClient([REJECTED]));
    await expect(client.complete({ purpose: 'reply', messages: [] }, call)).rejects.toBe(REJECTED);
    await client.complete({ purpose: 'title', messages: [] }, call);
    expect(health.verdict.state).toBe('rejected');
  });

  it('passes the client\'s own fields through', () => {
    const inner = scriptedClient([]);
    const watched = new ModelCredentialHealth().watch(inner);
    expect([watched.isConfigured, watched.model, watched.tokenCounter]).toEqual([true, 'gpt-test', inner.tokenCounter]);
  });
});
