import { describe, expect, it } from 'vitest';
import { HostError, invalidArgument } from './host-error.js';
import { toTwirpError } from './to-twirp-error.js';
import { TwirpError } from './twirp-error.js';

describe('toTwirpError', () => {
  it('keeps client-facing messages and meta for client faults', () => {
    const wire = toTwirpError(invalidArgument('message', 'message is required'));
    expect(wire.toJSON()).toEqual({ code: 'invalid_argument', msg: 'message is required', meta: { argument: 'message' } });
    expect(wire.httpStatus).toBe(400);
  });

  it('never leaks the text of internal failures', () => {
    const wire = toTwirpError(new HostError('HOST_MODEL_REJECTED', '401 Incorrect API key provided: sk-live-123'));
    expect(wire.code).toBe('internal');
    expect(wire.message).toBe('internal error');
    expect(JSON.stringify(wire.toJSON())).not.toContain('sk-live');
  });

  it('keeps the client-written message of unavailable errors, which says what to retry', () => {
    const wire = toTwirpError(new HostError('HOST_STORE_UNAVAILABLE', 'conversation store unavailable (append)', { cause: new Error('MongoNetworkError: mongodb://u:p@h') }));
    expect(wire.toJSON()).toEqual({ code: 'unavailable', msg: 'conversation store unavailable (append)' });
    expect(wire.httpStatus).toBe(503);
  });

  it('turns anything unrecognised into internal, never a client-fault code', () => {
    for (const thrown of [new Error('MongoServerError: E11000 at mongodb://u:p@h'), 'boom', undefined, { code: 'not_found' }]) {
      const wire = toTwirpError(thrown);
      expect(wire.code).toBe('internal');
      expect(wire.toJSON()).toEqual({ code: 'internal', msg: 'internal error' });
    }
  });

  it('passes Twirp errors through and adds Retry-After for rate limits', () => {
    const existing = new TwirpError('bad_route', 'no handler');
    expect(toTwirpError(existing)).toBe(existing);
    const limited = toTwirpError(new HostError('HOST_RATE_LIMITED', 'rate limited', { meta: { retry_after_seconds: '3' } }));
    expect(limited.httpStatus).toBe(429);
    expect(limited.headers['retry-after']).toBe('3');
  });

  it('answers an overloaded host with unavailable (503) and Retry-After', () => {
    const overloaded = toTwirpError(new HostError('HOST_OVERLOADED', 'the host is at capacity; retry shortly', { meta: { retry_after_seconds: '1' } }));
    expect(overloaded.httpStatus).toBe(503);
    expect(overloaded.headers['retry-after']).toBe('1');
    expect(overloaded.toJSON()).toEqual({ code: 'unavailable', msg: 'the host is at capacity; retry shortly', meta: { retry_after_seconds: '1' } });
    expect(toTwirpError(new HostError('HOST_STORE_UNAVAILABLE', 'down')).headers['retry-after']).toBeUndefined();
  });

  it('recognises HostErrors from another copy of the module by brand', () => {
    const foreign = Object.assign(new Error('conversation not found'), {
      code: 'HOST_CONVERSATION_NOT_FOUND',
      meta: {},
      [Symbol.for('acai.core.HostError')]: true,
    });
    expect(toTwirpError(foreign).code).toBe('not_found');
  });
});
