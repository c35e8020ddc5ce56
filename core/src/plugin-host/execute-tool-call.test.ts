import { definePlugin, defineTool, ToolError, type ToolErrorCode } from '@acai/plugin-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTestPlugins, type TestPluginHost } from './__fixtures__/test-plugin-packages.js';

// The call path on the real parts: the loader registers an SDK-defined plugin (real registry, real call
// policy with its breaker and bulkhead, the inline runtime), and every call goes through executeToolCall
// via the host's callTool.

const SECRET = 'sk-unit-test-very-secret';
const FAILURE_CODES = ['INVALID_INPUT', 'NOT_FOUND', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_FAILED', 'RATE_LIMITED', 'TIMEOUT', 'INTERNAL'] as const;
const NO_ARGUMENTS = { type: 'object', properties: {}, required: [], additionalProperties: false } as const;

/** What the probe plugin's tools saw, and the gates a test opens. */
interface ProbeState {
  executions: Map<string, number>;
  /** Signals of calls that are waiting, in start order. */
  waiting: AbortSignal[];
  /** Resolves the oldest waiting call. */
  gates: Array<() => void>;
  /** Calls that noticed their signal fire. */
  aborted: number;
  /** Failures the flaky tools still produce before succeeding. */
  failuresLeft: number;
  onStart: (() => void) | undefined;
}

function probePlugin(state: ProbeState) {
  const ran = (tool: string) => state.executions.set(tool, (state.executions.get(tool) ?? 0) + 1);
  const flaky = (name: string, idempotent: boolean, code: ToolErrorCode) =>
    defineTool({
      name,
      description: `Fails with ${code} until failuresLeft reaches 0`,
      parameters: NO_ARGUMENTS,
      idempotent,
      execute: () => {
        ran(name);
        if (state.failuresLeft > 0) {
          state.failuresLeft -= 1;
          throw new ToolError(code, 'upstream hiccup');
        }
        return 'recovered';
      },
    });
  return definePlugin({
    name: 'probe',
    description: 'Tools that show what the call path does',
    configSchema: { type: 'object', properties: { apiKey: { type: 'string' } }, additionalProperties: false },
    tools: [
      defineTool({
        name: 'echo_text',
        description: 'Repeats the text',
        parameters: {
          type: 'object',
          properties: { text: { type: 'string', minLength: 1 }, times: { type: 'integer', minimum: 1, maximum: 3 } },
          required: ['text', 'times'],
          additionalProperties: false,
        },
        execute: (args) => {
          ran('echo_text');
          const text = args.text.repeat(args.times);
          return { content: text, data: { length: text.length } };
        },
      }),
      defineTool({
        name: 'wait_for_gate',
        description: 'Waits until the test opens its gate or its signal fires',
        parameters: NO_ARGUMENTS,
        execute: (_args, context) => {
          ran('wait_for_gate');
          state.onStart?.();
          return new Promise<string>((resolve, reject) => {
            state.waiting.push(context.signal);
            state.gates.push(() => resolve('opened'));
            context.signal.addEventListener('abort', () => {
              state.aborted += 1;
              reject(new Error('aborted'));
            });
          });
        },
      }),
      defineTool({
        name: 'fail_with',
        description: 'Throws a ToolError with the code',
        parameters: { type: 'object', properties: { code: { enum: [...FAILURE_CODES] } }, required: ['code'], additionalProperties: false },
        execute: (args) => {
          ran('fail_with');
          throw new ToolError(args.code, `failed with ${args.code}`);
        },
      }),
      flaky('get_flaky', true, 'UPSTREAM_UNAVAILABLE'),
      flaky('set_flaky', false, 'UPSTREAM_UNAVAILABLE'),
      flaky('get_broken', true, 'UPSTREAM_FAILED'),
      defineTool({
        name: 'big_output',
        description: 'Returns 5000 characters',
        parameters: NO_ARGUMENTS,
        execute: () => `${'a'.repeat(2500)}${'z'.repeat(2500)}`,
      }),
      defineTool({
        name: 'leak_secret',
        description: 'Puts the configured key in its output',
        parameters: NO_ARGUMENTS,
        execute: (_args, context) => ({ content: `the key is ${String(context.config.apiKey)}`, data: { key: context.config.apiKey } }),
      }),
      defineTool({
        name: 'fail_with_secret',
        description: 'Puts the configured key in its failure',
        parameters: NO_ARGUMENTS,
        execute: (_args, context) => {
          throw new ToolError('UPSTREAM_FAILED', `upstream refused ${String(context.config.apiKey)}`, { details: { sent: context.config.apiKey } });
        },
      }),
      defineTool({
        name: 'misbehave',
        description: 'Fails in ways a careless or hostile plugin might',
        parameters: {
          type: 'object',
          properties: { how: { enum: ['throw_number', 'throw_sync', 'return_number', 'throw_undescribable', 'cyclic_details', 'bigint_data', 'cyclic_data', 'bigint_details'] } },
          required: ['how'],
          additionalProperties: false,
        },
        execute: (args) => {
          switch (args.how) {
            case 'throw_number':
              return Promise.reject(42);
            case 'throw_sync':
              throw new TypeError('sync failure');
            case 'return_number':
              return 7 as never;
            case 'throw_undescribable':
              throw {
                toString() {
                  throw new Error('not even a string');
                },
              };
            case 'cyclic_details': {
              const details: Record<string, unknown> = {};
              details['self'] = details;
              throw new ToolError('UPSTREAM_FAILED', 'cyclic', { details });
            }
            case 'bigint_data':
              return { content: 'big', data: { value: 10n } };
            case 'cyclic_data': {
              const data: Record<string, unknown> = { name: 'loop' };
              data['self'] = data;
              return { content: 'cyclic', data };
            }
            case 'bigint_details':
              throw new ToolError('UPSTREAM_FAILED', 'big details', { details: { value: 10n } });
          }
        },
      }),
    ],
  });
}

const hosts: TestPluginHost[] = [];
let state: ProbeState;

afterEach(async () => {
  for (const open of state.gates.splice(0)) open();
  await Promise.all(hosts.splice(0).map((loaded) => loaded.close()));
});

async function probe(entry: Record<string, unknown> = {}): Promise<TestPluginHost> {
  state = { executions: new Map(), waiting: [], gates: [], aborted: 0, failuresLeft: 0, onStart: undefined };
  const loaded = await loadTestPlugins(
    { probe: { definition: probePlugin(state), acai: { secrets: [{ key: 'apiKey', required: false }] } } },
    [{ name: 'probe', path: './probe', config: { apiKey: SECRET }, ...entry }],
  );
  hosts.push(loaded);
  expect(loaded.host.loadReport().ok).toBe(true);
  return loaded;
}

/** Resolves once `count` calls of wait_for_gate are running. */
function started(count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (state.waiting.length >= count) resolve();
    };
    state.onStart = () => queueMicrotask(check);
    check();
  });
}

describe('executeToolCall', () => {
  it('runs a valid call and returns content, data and provenance', async () => {
    const { host, metricValue } = await probe();
    const result = await host.callTool('probe__echo_text', '{"text":"ab","times":2}', { callId: 'call-1', tenantId: 'acme' });
    expect(result).toMatchObject({
      exposedName: 'probe__echo_text',
      plugin: { name: 'probe', version: '1.0.0' },
      tool: 'echo_text',
      outcome: 'ok',
      content: 'abab',
      fullContent: 'abab',
      data: { length: 4 },
      error: undefined,
    });
    expect(result.schemaFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(await metricValue('acai_tool_calls_total', { plugin: 'probe', tool: 'echo_text', outcome: 'ok' })).toBe(1);
  });

  describe('refuses arguments before the tool runs', () => {
    it('answers text that is not JSON as invalid_input and counts a validation failure', async () => {
      const { host, metricValue } = await probe();
      const result = await host.callTool('probe__echo_text', '{"text": "a",');
      expect(result).toMatchObject({ outcome: 'invalid_input', error: { code: 'INVALID_INPUT' } });
      expect(result.content).toContain('not valid JSON');
      expect(state.executions.get('echo_text')).toBeUndefined();
      expect(await metricValue('acai_tool_argument_validation_failures_total', { plugin: 'probe', tool: 'echo_text' })).toBe(1);
    });

    it('lists every schema violation for the model, for text and for object arguments alike', async () => {
      const { host } = await probe();
      for (const raw of ['{"text":"","times":9,"extra":true}', { text: '', times: 9, extra: true }]) {
        const result = await host.callTool('probe__echo_text', raw);
        expect(result.outcome).toBe('invalid_input');
        expect(result.error?.message).toBe(
          'Invalid arguments for tool "echo_text": /extra: is not an allowed property (remove it); /text: must NOT have fewer than 1 characters; /times: must be <= 3. Correct the arguments and call the tool again.',
        );
      }
      for (const raw of ['[]', 'null', '"text"', '', 42, undefined]) expect((await host.callTool('probe__echo_text', raw)).outcome).toBe('invalid_input');
      expect(state.executions.get('echo_text')).toBeUndefined();
    });

    it('never lets argument errors count against the breaker', async () => {
      const { host } = await probe({ policy: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } });
      for (let attempt = 0; attempt < 3; attempt += 1) await host.callTool('probe__echo_text', '{}');
      expect(host.breakerState('probe')).toBe('closed');
    });

    it('answers an unknown tool with the names that exist', async () => {
      const { host } = await probe({ tools: { allow: ['echo_text', 'big_output'] } });
      const result = await host.callTool('probe__nope', '{}');
      expect(result).toMatchObject({ exposedName: 'probe__nope', outcome: 'unknown_tool', plugin: undefined, tool: undefined, error: { code: 'NOT_FOUND' } });
      expect(result.error?.message).toBe('There is no tool named "probe__nope". Available tools: probe__echo_text, probe__big_output.');
      expect(JSON.parse(result.content)).toEqual({ error: result.error });
    });
  });

  describe('bulkhead', () => {
    it('rejects a call when every slot and the queue are taken, without running the tool', async () => {
      const { host, metricValue } = await probe({ policy: { maxConcurrent: 1, maxQueue: 0 } });
      const first = host.callTool('probe__wait_for_gate', '{}');
      await started(1);
      const second = await host.callTool('probe__wait_for_gate', '{}');
      expect(second).toMatchObject({ outcome: 'rejected', error: { code: 'RATE_LIMITED', message: 'The probe tools are busy (1 calls running, 0 waiting). Try again shortly.' } });
      expect(state.executions.get('wait_for_gate')).toBe(1);
      expect(await metricValue('acai_plugin_bulkhead_rejections_total', { plugin: 'probe' })).toBe(1);
      state.gates.shift()?.();
      expect((await first).outcome).toBe('ok');
      expect(host.breakerState('probe')).toBe('closed');
    });

    it('queues a call while a slot is busy and runs it once the slot frees', async () => {
      const { host } = await probe({ policy: { maxConcurrent: 1, maxQueue: 1 } });
      const first = host.callTool('probe__wait_for_gate', '{}');
      await started(1);
      const queued = host.callTool('probe__wait_for_gate', '{}');
      expect((await host.callTool('probe__wait_for_gate', '{}')).outcome).toBe('rejected');
      expect(state.executions.get('wait_for_gate')).toBe(1);
      state.gates.shift()?.();
      expect((await first).outcome).toBe('ok');
      await started(2);
      state.gates.shift()?.();
      expect((await queued).outcome).toBe('ok');
    });
  });

  describe('circuit breaker', () => {
    it('opens after consecutive counted failures: calls are refused unrun and the tools leave the model list', async () => {
      const { host } = await probe({ policy: { breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } } });
      const offered = host.listModelTools().length;
      expect((await host.callTool('probe__fail_with', { code: 'UPSTREAM_FAILED' })).outcome).toBe('unavailable');
      expect((await host.callTool('probe__fail_with', { code: 'INTERNAL' })).outcome).toBe('error');
      expect(host.breakerState('probe')).toBe('open');
      const refused = await host.callTool('probe__echo_text', { text: 'a', times: 1 });
      expect(refused).toMatchObject({ outcome: 'breaker_open', error: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(refused.error?.message).toContain('temporarily unavailable');
      expect(state.executions.get('echo_text')).toBeUndefined();
      expect(host.listModelTools()).toHaveLength(0);
      expect(host.resetBreaker('probe')).toBe(true);
      expect(host.listModelTools()).toHaveLength(offered);
      expect((await host.callTool('probe__echo_text', { text: 'a', times: 1 })).outcome).toBe('ok');
    });

    it('counts upstream and crash failures but not caller faults', async () => {
      const { host } = await probe({ policy: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } });
      expect((await host.callTool('probe__fail_with', { code: 'INVALID_INPUT' })).outcome).toBe('invalid_input');
      expect((await host.callTool('probe__fail_with', { code: 'NOT_FOUND' })).outcome).toBe('invalid_input');
      expect(host.breakerState('probe')).toBe('closed');
      expect((await host.callTool('probe__fail_with', { code: 'RATE_LIMITED' })).outcome).toBe('rate_limited');
      expect(host.breakerState('probe')).toBe('open');
    });
  });

  describe('deadline and cancellation', () => {
    it('times out a tool that does not finish, fires its signal and counts it against the breaker', async () => {
      const { host } = await probe({ policy: { timeoutMs: 30, breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } });
      const result = await host.callTool('probe__wait_for_gate', '{}');
      expect(result).toMatchObject({ outcome: 'timeout', error: { code: 'TIMEOUT', message: 'The tool "wait_for_gate" did not finish within 30 ms.' } });
      expect(state.waiting[0]?.aborted).toBe(true);
      expect(state.aborted).toBe(1);
      expect(host.breakerState('probe')).toBe('open');
    });

    it('cancels a running call when the caller aborts, without counting it against the breaker', async () => {
      const { host } = await probe({ policy: { breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } } });
      const controller = new AbortController();
      const pending = host.callTool('probe__wait_for_gate', '{}', { signal: controller.signal });
      await started(1);
      controller.abort(new Error('the client left'));
      expect(await pending).toMatchObject({ outcome: 'cancelled', error: { code: 'TIMEOUT', message: 'The tool call was cancelled.' } });
      expect(state.aborted).toBe(1);
      expect(host.breakerState('probe')).toBe('closed');
    });

    it('does not start a tool whose caller already gave up', async () => {
      const { host } = await probe();
      const result = await host.callTool('probe__echo_text', { text: 'a', times: 1 }, { signal: AbortSignal.abort() });
      expect(result.outcome).toBe('cancelled');
      expect(state.executions.get('echo_text')).toBeUndefined();
    });
  });

  describe('retries', () => {
    it('retries a transient failure of an idempotent tool', async () => {
      const { host } = await probe({ policy: { retry: { maxAttempts: 3 } } });
      state.failuresLeft = 1;
      expect(await host.callTool('probe__get_flaky', '{}')).toMatchObject({ outcome: 'ok', content: 'recovered' });
      expect(state.executions.get('get_flaky')).toBe(2);
    });

    it('never retries a tool that is not idempotent', async () => {
      const { host } = await probe({ policy: { retry: { maxAttempts: 3 } } });
      state.failuresLeft = 1;
      expect(await host.callTool('probe__set_flaky', '{}')).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(state.executions.get('set_flaky')).toBe(1);
    });

    it('never retries a failure that is not transient, and stops at maxAttempts', async () => {
      const { host } = await probe({ policy: { retry: { maxAttempts: 2 } } });
      state.failuresLeft = 5;
      expect((await host.callTool('probe__get_broken', '{}')).outcome).toBe('unavailable');
      expect(state.executions.get('get_broken')).toBe(1);
      expect((await host.callTool('probe__get_flaky', '{}')).outcome).toBe('unavailable');
      expect(state.executions.get('get_flaky')).toBe(2);
    });
  });

  it('caps what the model sees at maxOutputBytes, keeping head and tail, and keeps the full text', async () => {
    const { host } = await probe({ policy: { maxOutputBytes: 256 } });
    const result = await host.callTool('probe__big_output', '{}');
    expect(result.outcome).toBe('ok');
    expect(Buffer.byteLength(result.content)).toBeLessThanOrEqual(256);
    expect(result.content).toMatch(/^a+\n…\[\d+ bytes truncated\]…\nz+$/);
    expect(result.fullContent).toHaveLength(5000);
  });

  it('scrubs configured secrets from content, data, failures and logs', async () => {
    const { host, logLines } = await probe();
    const success = await host.callTool('probe__leak_secret', '{}');
    expect(success).toMatchObject({ outcome: 'ok', content: 'the key is [REDACTED]', fullContent: 'the key is [REDACTED]', data: { key: '[REDACTED]' } });
    const failure = await host.callTool('probe__fail_with_secret', '{}');
    expect(failure).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_FAILED', message: 'upstream refused [REDACTED]' } });
    expect(JSON.parse(failure.content)).toEqual({ error: { code: 'UPSTREAM_FAILED', message: 'upstream refused [REDACTED]', details: { sent: '[REDACTED]' } } });
    expect(host.listPlugins()[0]?.lastError?.message).toBe('upstream refused [REDACTED]');
    expect(JSON.stringify([success, failure, host.listPlugins(), logLines])).not.toContain(SECRET);
  });

  it('scrubs a secret holding JSON escapes from data and failure details too', async () => {
    const quoted = 'sk-"quoted"\\secret';
    const { host } = await probe({ config: { apiKey: quoted } });
    const success = await host.callTool('probe__leak_secret', '{}');
    expect(success.data).toEqual({ key: '[REDACTED]' });
    const failure = await host.callTool('probe__fail_with_secret', '{}');
    expect(JSON.parse(failure.content)).toEqual({ error: { code: 'UPSTREAM_FAILED', message: 'upstream refused [REDACTED]', details: { sent: '[REDACTED]' } } });
    for (const text of [JSON.stringify([success, failure]), success.content, failure.content]) {
      expect(text).not.toContain(quoted);
      expect(text).not.toContain(JSON.stringify(quoted).slice(1, -1));
    }
  });

  describe('never throws', () => {
    it.each([
      ['throw_number', 'error', 'The tool failed unexpectedly: 42'],
      ['throw_sync', 'error', 'The tool failed unexpectedly: sync failure'],
      ['return_number', 'error', 'The tool returned number instead of a string or { content }.'],
      ['throw_undescribable', 'error', 'The tool failed unexpectedly with a value that cannot be described.'],
      ['cyclic_details', 'unavailable', 'cyclic'],
    ])('turns %s into a result the model can read', async (how, outcome, message) => {
      const { host } = await probe();
      const result = await host.callTool('probe__misbehave', { how });
      expect(result).toMatchObject({ outcome, error: { message } });
      expect(JSON.parse(result.content)).toMatchObject({ error: { message } });
    });

    it.each([
      ['bigint_data', 'a BigInt at /value.'],
      ['cyclic_data', 'a circular reference (the value contains itself) at /self.'],
    ])('answers %s as a named error, the same with and without a configured secret', async (how, problem) => {
      const message = `The tool's data cannot be sent as JSON: ${problem} Return only objects, arrays, strings, numbers, booleans and null.`;
      for (const config of [{ apiKey: SECRET }, {}]) {
        const { host } = await probe({ config });
        const result = await host.callTool('probe__misbehave', { how });
        expect(result).toMatchObject({ outcome: 'error', data: undefined, error: { code: 'INTERNAL', message } });
        expect(JSON.parse(result.content)).toEqual({ error: { code: 'INTERNAL', message } });
        expect(host.listPlugins()[0]?.lastError).toMatchObject({ code: 'INTERNAL', message });
      }
    });

    it('leaves out failure details it cannot write as JSON, and keeps the failure', async () => {
      const { host } = await probe();
      const result = await host.callTool('probe__misbehave', { how: 'bigint_details' });
      expect(result).toMatchObject({ outcome: 'unavailable', error: { code: 'UPSTREAM_FAILED', message: 'big details' } });
      expect(JSON.parse(result.content)).toEqual({ error: { code: 'UPSTREAM_FAILED', message: 'big details' } });
    });
  });
});
