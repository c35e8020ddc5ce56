import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { ModelCredentialHealth } from './model-credential-health.js';
import type { ModelCallPurpose } from './model-types.js';

const REJECTED = new HostError('HOST_MODEL_CREDENTIALS_REJECTED', 'the model endpoint rejected the host\'s model API key (HTTP 401)');

/** What the model client reports to its onCall observer after a call. */
function failed(health: ModelCredentialHealth, error: HostError, purpose: ModelCallPurpose = 'reply'): void {
  health.observe({ purpose, outcome: 'error' }, error);
}

function succeeded(health: ModelCredentialHealth, purpose: ModelCallPurpose = 'reply'): void {
  health.observe({ purpose, outcome: 'ok' });
}

describe('ModelCredentialHealth', () => {
  it('is unknown before any call, rejected after a credential rejection, accepted after a success', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const health = new ModelCredentialHealth(() => now);
    expect(health.verdict).toEqual({ state: 'unknown' });
    failed(health, REJECTED);
    now = new Date('2026-01-01T00:05:00Z');
    failed(health, REJECTED);
    // "since" is the first rejection in the run.
    expect(health.verdict).toEqual({ state: 'rejected', message: REJECTED.message, since: new Date('2026-01-01T00:00:00Z') });
    succeeded(health);
    expect(health.verdict).toEqual({ state: 'accepted' });
  });

  it('ignores failures that say nothing about the key', () => {
    const health = new ModelCredentialHealth();
    failed(health, new HostError('HOST_MODEL_UNAVAILABLE', 'try later'));
    failed(health, new HostError('HOST_INTERNAL', 'model call failed'));
    health.observe({ purpose: 'reply', outcome: 'error' });
    expect(health.verdict).toEqual({ state: 'unknown' });
  });

  it('keeps a rejection of one purpose while another purpose (another model) succeeds', () => {
    const health = new ModelCredentialHealth();
    failed(health, REJECTED);
    succeeded(health, 'title');
    expect(health.verdict.state).toBe('rejected');
  });
});
