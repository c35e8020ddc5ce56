import { describe, expect, it } from 'vitest';
import { HostError } from '../errors/index.js';
import { createModelClient } from './model-client.js';
import type { ModelCallRecord } from './model-types.js';

// The whole adapter against a fake OpenAI server is covered in tests/integration/chat-model-adapter.test.ts;
// these check how createModelClient composes its steps without any server.

const call = () => ({ signal: new AbortController().signal, deadline: Date.now() + 60_000 });

describe('createModelClient', () => {
  it('is not configured without a model, or without a key or base URL, and fails each call naming the variables', async () => {
    for (const options of [{}, { model: '  ', apiKey: 'sk-test' }, { model: 'gpt-4o-mini' }]) {
      const client = createModelClient({ timeoutMs: 1_000, maxAttempts: 1, ...options });
      expect(client.isConfigured).toBe(false);
      const error = await client.complete({ purpose: 'reply', messages: [] }, call()).catch((caught: unknown) => caught);
      expect(HostError.isInstance(error) && error.code).toBe('HOST_MODEL_NOT_CONFIGURED');
      expect((error as HostError).message).toContain('OPENAI_MODEL');
    }
  });

  it('is configured for a local server without a key, trimming the model name', () => {
    const client = createModelClient({ baseURL: 'http://127.0.0.1:11434/v1', model: ' llama3.2 ', timeoutMs: 1_000, maxAttempts: 1 });
    expect(client.isConfigured).toBe(true);
    expect(client.model).toBe('llama3.2');
  });

  it('reports one record per call after its retries, naming the title model for titles and the error code', async () => {
    const records: ModelCallRecord[] = [];
    const errors: unknown[] = [];
    // Port 1 on loopback refuses connections at once: a transient failure every time.
    const client = createModelClient({
      baseURL: 'http://127.0.0.1:1/v1',
      model: 'reply-model',
      titleModel: 'title-model',
      timeoutMs: 5_000,
      maxAttempts: 2,
      random: () => 0,
      onCall: (record, reported) => {
        records.push(record);
        errors.push(reported);
      },
    });
    const error = await client.complete({ purpose: 'title', messages: [{ role: 'user', content: 'hi' }] }, call()).catch((caught: unknown) => caught);
    expect(HostError.isInstance(error) && error.code).toBe('HOST_MODEL_UNAVAILABLE');
    // The observer gets the very error the call rejects with (ModelCredentialHealth reads its code and message).
    expect(errors).toEqual([error]);
    expect(errors[0]).toBe(error);
    expect(records).toEqual([expect.objectContaining({ purpose: 'title', model: 'title-model', outcome: 'error', errorCode: 'HOST_MODEL_UNAVAILABLE', attempts: 2, streamed: false })]);
  });

  it('marks a call streamed when the caller takes text as it comes', async () => {
    const records: ModelCallRecord[] = [];
    const client = createModelClient({ baseURL: 'http://127.0.0.1:1/v1', model: 'm', timeoutMs: 5_000, maxAttempts: 1, onCall: (record) => records.push(record) });
    await client.complete({ purpose: 'reply', messages: [] }, { ...call(), onTextDelta: () => {} }).catch(() => undefined);
    expect(records[0]).toMatchObject({ streamed: true, attempts: 1, outcome: 'error' });
  });
});
