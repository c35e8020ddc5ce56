import { APIConnectionError, APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { IncompleteStreamError } from './accumulate-stream.js';
import { classifyModelFailure } from './classify-model-failure.js';
import { EmptyChoicesError } from './read-completion.js';

function apiError(status: number, code?: string, headers: Record<string, string> = {}): APIError {
  return APIError.generate(status, { error: { message: `upstream says sk-secret-in-text (${status})`, code, type: 'error' } }, undefined, new Headers(headers));
}

describe('classifyModelFailure', () => {
  it('retries 408, 409, 429 and 5xx, passing the retry headers on', () => {
    for (const status of [408, 409, 429, 500, 502, 503]) expect(classifyModelFailure(apiError(status)).kind).toBe('retry');
    const decision = classifyModelFailure(apiError(429, undefined, { 'retry-after-ms': '250' }));
    expect(decision.kind === 'retry' && decision.headers?.get('retry-after-ms')).toBe('250');
  });

  it('follows x-should-retry over the status', () => {
    expect(classifyModelFailure(apiError(500, undefined, { 'x-should-retry': 'false' })).kind).toBe('fatal');
    expect(classifyModelFailure(apiError(400, undefined, { 'x-should-retry': 'true' })).kind).toBe('retry');
  });

  it('gives up on an exhausted quota with HOST_MODEL_UNAVAILABLE', () => {
    const decision = classifyModelFailure(apiError(429, 'insufficient_quota'));
    expect(decision.kind === 'fatal' && decision.error.code).toBe('HOST_MODEL_UNAVAILABLE');
  });

  it('reports a rejected request as HOST_MODEL_REJECTED with the status, keeping upstream text out of the message', () => {
    const decision = classifyModelFailure(apiError(400, 'context_length_exceeded'));
    expect(decision.kind).toBe('fatal');
    if (decision.kind !== 'fatal') return;
    expect(decision.error.code).toBe('HOST_MODEL_REJECTED');
    expect(decision.error.message).toBe('the model endpoint rejected the request (HTTP 400)');
    expect(decision.error.meta).toEqual({ upstream_status: '400', reason: 'context_length_exceeded' });
    expect(decision.error.message).not.toContain('sk-secret');
    for (const status of [401, 403, 404, 422]) expect(classifyModelFailure(apiError(status)).kind).toBe('fatal');
  });

  it('reports a rejected model key (401) or model access (403) as HOST_MODEL_CREDENTIALS_REJECTED naming the setting', () => {
    for (const status of [401, 403]) {
      const decision = classifyModelFailure(apiError(status, 'invalid_api_key'));
      expect(decision.kind).toBe('fatal');
      if (decision.kind !== 'fatal') continue;
      expect(decision.error.code).toBe('HOST_MODEL_CREDENTIALS_REJECTED');
      expect(decision.error.message).toContain(`(HTTP ${status})`);
      expect(decision.error.message).toContain('OPENAI_API_KEY');
      expect(decision.error.message).not.toContain('sk-secret');
      expect(decision.error.meta).toEqual({ upstream_status: String(status), reason: 'model_credentials_rejected' });
    }
  });

  it('retries malformed and truncated answers and dropped connections', () => {
    for (const failure of [new EmptyChoicesError(), new IncompleteStreamError(), new SyntaxError('Unexpected end of JSON input'), new APIConnectionError({ message: 'Connection error.' })]) {
      expect(classifyModelFailure(failure).kind).toBe('retry');
    }
    for (const message of ['read ECONNRESET', 'socket hang up', 'terminated', 'Premature close']) expect(classifyModelFailure(new Error(message)).kind).toBe('retry');
    expect(classifyModelFailure(Object.assign(new Error('write failed'), { code: 'EPIPE' })).kind).toBe('retry');
  });

  it('retries an attempt its own timeout ended (a stream gone silent is destroyed with that reason)', () => {
    for (const name of ['TimeoutError', 'AbortError']) expect(classifyModelFailure(new DOMException('aborted', name)).kind).toBe('retry');
    const other = classifyModelFailure(new DOMException('bad', 'DataCloneError'));
    expect(other.kind === 'fatal' && other.error.code).toBe('HOST_INTERNAL');
  });

  it('gives up on anything it does not recognise with HOST_INTERNAL, whatever was thrown', () => {
    for (const failure of [new TypeError('x is not a function'), 'a string', undefined, { status: 500 }]) {
      const decision = classifyModelFailure(failure);
      expect(decision.kind === 'fatal' && decision.error.code).toBe('HOST_INTERNAL');
    }
  });
});
