import { describe, expect, it } from 'vitest';
import { describeError, describeTwirpError } from './describe-error.js';
import { HostApiError } from './host-api.js';

describe('describeError', () => {
  it('words the host’s Twirp errors for people, with the host’s message and retry hint', () => {
    expect(describeError(new HostApiError('unauthenticated', 'invalid API key', { status: 401 }))).toBe('The host did not accept the API key: invalid API key.');
    expect(describeError(new HostApiError('resource_exhausted', 'rate limit exceeded', { meta: { retry_after_seconds: '12' } }))).toBe(
      'Too many requests: rate limit exceeded. Try again in 12 s.',
    );
    expect(describeTwirpError('deadline_exceeded', 'request deadline exceeded')).toBe('The reply took too long and was given up: request deadline exceeded.');
    expect(describeTwirpError('failed_precondition', 'no model is configured (set OPENAI_API_KEY)')).toContain('no model is configured');
    expect(describeTwirpError('weird_code', '')).toBe('The host reported an error (weird_code).');
  });

  it('says "Stopped." for an abort and never shows internals of unexpected errors', () => {
    expect(describeError(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }))).toBe('Stopped.');
    const internal = describeError(new TypeError('Cannot read properties of undefined (reading "x") at chat-view.ts:12'));
    expect(internal).not.toContain('chat-view');
    expect(internal).toMatch(/Reload the page/);
  });
});
