import { describe, expect, it } from 'vitest';
import { TwirpClientError } from '../client/index.js';
import { describeClientError } from './describe-client-error.js';

describe('describeClientError', () => {
  it('hints at a retry for a rate limit, not for an oversized request, whose message says what to do', () => {
    const limited = describeClientError(new TwirpClientError('resource_exhausted', 'rate limited, retry in 3 s', { httpStatus: 429 }), 'http://h');
    expect(limited.message).toBe('resource_exhausted: rate limited, retry in 3 s (rate limited; retry later)');
    const tooLarge = new TwirpClientError('resource_exhausted', 'request body too large: the limit is 1024 bytes (MAX_BODY_BYTES); send a smaller request', {
      httpStatus: 413,
      meta: { reason: 'body_too_large', limit_bytes: '1024' },
    });
    expect(describeClientError(tooLarge, 'http://h').message).toBe(`resource_exhausted: ${tooLarge.message}`);
  });

  it('names a host whose model key was rejected as the operator\'s to fix', () => {
    const rejected = new TwirpClientError('failed_precondition', 'the model endpoint rejected the host\'s model API key (HTTP 401); fix OPENAI_API_KEY', { httpStatus: 412 });
    expect(describeClientError(rejected, 'http://h').message).toContain('OPENAI_API_KEY');
  });
});
