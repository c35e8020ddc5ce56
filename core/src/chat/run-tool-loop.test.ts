import { describe, expect, it } from 'vitest';
import { ToolError } from '@acai/plugin-sdk';
import { HostError } from '../errors/index.js';
import type { ModelMessage } from '../llm/index.js';
import type { ToolCallRecord } from '../storage/conversation-store.js';
import type { CallerContext } from './caller-context.js';
import { runToolLoop, type ToolLoopSettings } from './run-tool-loop.js';
import { callerFor } from './testing/chat-test-parts.js';
import { clockTool, createFixtureTools, type FixtureTool, type FixtureTools } from './testing/fixture-tools.js';
import { createScriptedModel, text, toolCalls, type ScriptedAnswers, type ScriptedModelClient } from './testing/scripted-model-client.js';
import type { ToolCallStart } from './turn-events.js';

const SETTINGS: ToolLoopSettings = { maxSteps: 8, maxCorrectionsPerTool: 3, emptyReplyText: 'Nothing to say.' };
const OPENING: readonly ModelMessage[] = [
  { role: 'system', content: 'You are a test.' },
  { role: 'user', content: 'What time is it?' },
];

interface LoopRun {
  readonly model: ScriptedModelClient;
  readonly tools: FixtureTools;
}

function loopParts(replies: ScriptedAnswers, tools: readonly FixtureTool[] = [clockTool]): LoopRun {
  return { model: createScriptedModel({ reply: replies }), tools: createFixtureTools(tools) };
}

function run(parts: LoopRun, options: { caller?: CallerContext; settings?: Partial<ToolLoopSettings>; events?: Parameters<typeof runToolLoop>[1]['events'] } = {}) {
  return runToolLoop(
    { model: parts.model, executor: parts.tools, settings: { ...SETTINGS, ...options.settings } },
    { messages: OPENING, rawPromptTokens: 40, tools: parts.tools.listModelTools(), caller: options.caller ?? callerFor(), events: options.events },
  );
}

/** The tool messages the model saw on its `index`-th call. */
function toolMessagesOf(model: ScriptedModelClient, index: number) {
  return model.requests('reply')[index]!.messages.filter((message) => message.role === 'tool');
}

async function rejection(promise: Promise<unknown>): Promise<HostError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(HostError.isInstance(error), String(error)).toBe(true);
  return error as HostError;
}

describe('runToolLoop', () => {
  it('answers without tools when the model needs none, with tools offered on "auto"', async () => {
    const parts = loopParts([text('  It is noon.  ', { usage: { promptTokens: 50, completionTokens: 4 } })]);
    const result = await run(parts);
    expect(result).toEqual({ reply: 'It is noon.', toolCalls: [], usage: { promptTokens: 50, completionTokens: 4 }, modelCalls: 1, hitStepLimit: false });
    const [request] = parts.model.requests('reply');
    expect(request).toMatchObject({ purpose: 'reply', toolChoice: 'auto', estimatedPromptTokens: 40, messages: OPENING });
    expect(request!.tools!.map((tool) => tool.function.name)).toEqual(['fixtures__get_time']);
  });

  it('runs the tool calls of one step in parallel and feeds the results back in the model\'s order', async () => {
    let releaseSlow!: () => void;
    const slowMayFinish = new Promise<void>((resolve) => (releaseSlow = resolve));
    const parts = loopParts(
      [
        toolCalls([
          { id: 'call_slow', name: 'fixtures__slow', arguments: { zone: 'UTC' } },
          { id: 'call_fast', name: 'fixtures__fast', arguments: { zone: 'CET' } },
        ]),
        text('Both done.'),
      ],
      [
        // Finishes only once the second tool has started: a loop running calls one by one never gets past it.
        { ...clockTool, name: 'slow', execute: async (args) => (await slowMayFinish, `slow ${String(args.zone)}`) },
        { ...clockTool, name: 'fast', execute: (args) => (releaseSlow(), `fast ${String(args.zone)}`) },
      ],
    );
    const result = await run(parts);
    expect(result.reply).toBe('Both done.');
    expect(result.toolCalls.map((call) => [call.id, call.result, call.outcome])).toEqual([
      ['call_slow', 'slow UTC', 'ok'],
      ['call_fast', 'fast CET', 'ok'],
    ]);
    const second = parts.model.requests('reply')[1]!;
    expect(second.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'call_slow', name: 'fixtures__slow', arguments: '{"zone":"UTC"}' },
          { id: 'call_fast', name: 'fixtures__fast', arguments: '{"zone":"CET"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_slow', content: 'slow UTC' },
      { role: 'tool', toolCallId: 'call_fast', content: 'fast CET' },
    ]);
    // The prompt estimate grows by exactly what the step added, and each record keeps its share.
    const counter = parts.model.tokenCounter;
    const added = second.messages.slice(2).reduce((sum, message) => sum + counter.countMessage(message), 0);
    expect(second.estimatedPromptTokens).toBe(40 + added);
    expect(result.toolCalls.map((call) => call.tokens)).toEqual([
      { call: counter.countText('fixtures__slow') + counter.countText('{"zone":"UTC"}'), result: counter.countText('slow UTC') },
      { call: counter.countText('fixtures__fast') + counter.countText('{"zone":"CET"}'), result: counter.countText('fast CET') },
    ]);
  });

  it('records provenance of each call as the turn stores it', async () => {
    const parts = loopParts([toolCalls([{ id: 'call_1', name: 'fixtures__get_time', arguments: { zone: 'Europe/Oslo' } }]), text('Noon.')]);
    const [record] = (await run(parts)).toolCalls;
    expect(record).toEqual({
      id: 'call_1',
      name: 'fixtures__get_time',
      plugin: 'fixtures',
      pluginVersion: '1.0.0',
      tool: 'get_time',
      schemaFingerprint: expect.any(String),
      arguments: '{"zone":"Europe/Oslo"}',
      result: '12:00 in Europe/Oslo',
      outcome: 'ok',
      durationMs: expect.any(Number),
      tokens: { call: expect.any(Number), result: expect.any(Number) },
    });
    expect(Number.isInteger(record!.durationMs)).toBe(true);
  });

  it('feeds tool failures back to the model as results instead of failing the turn', async () => {
    const parts = loopParts(
      [
        toolCalls([
          { id: 'call_down', name: 'fixtures__down', arguments: { zone: 'UTC' } },
          { id: 'call_broken', name: 'fixtures__broken', arguments: { zone: 'UTC' } },
          { id: 'call_unknown', name: 'made_up_tool', arguments: {} },
        ]),
        text('Sorry, no time today.'),
      ],
      [
        {
          ...clockTool,
          name: 'down',
          execute: () => {
            throw new ToolError('UPSTREAM_UNAVAILABLE', 'the time service is down');
          },
        },
        {
          ...clockTool,
          name: 'broken',
          execute: () => {
            throw new Error('boom');
          },
        },
      ],
    );
    const result = await run(parts);
    expect(result.reply).toBe('Sorry, no time today.');
    expect(result.toolCalls.map((call) => [call.name, call.outcome])).toEqual([
      ['fixtures__down', 'unavailable'],
      ['fixtures__broken', 'error'],
      ['made_up_tool', 'unknown_tool'],
    ]);
    expect(toolMessagesOf(parts.model, 1).map((message) => JSON.parse(String(message.content)))).toEqual([
      { error: { code: 'UPSTREAM_UNAVAILABLE', message: 'the time service is down' } },
      { error: { code: 'INTERNAL', message: 'boom' } },
      { error: { code: 'NOT_FOUND', message: 'unknown tool: made_up_tool' } },
    ]);
  });

  it('asks for corrections of invalid arguments and withdraws the tool once the cap is spent', async () => {
    const invalid = () => toolCalls([{ name: 'fixtures__get_time', arguments: { zone: 1 } }]);
    // After the withdrawal the model asks once more anyway; the call is answered without running the tool.
    const parts = loopParts([invalid(), invalid(), invalid(), invalid(), text('I could not check the time.')]);
    const result = await run(parts, { settings: { maxCorrectionsPerTool: 3 } });
    expect(result.reply).toBe('I could not check the time.');
    expect(result.toolCalls.map((call) => call.outcome)).toEqual(['invalid_input', 'invalid_input', 'invalid_input', 'rejected']);
    expect(parts.tools.calls).toHaveLength(3);

    const notes = [1, 2, 3, 4].map((index) => String(toolMessagesOf(parts.model, index).at(-1)!.content));
    expect(notes[0]).toContain('/zone');
    expect(notes[0]).toContain('2 corrections left in this turn');
    expect(notes[1]).toContain('1 correction left in this turn');
    expect(notes[2]).toContain('fixtures__get_time is no longer available in this turn');
    expect(notes[3]).toBe('Error: fixtures__get_time is not available in this turn after repeated invalid arguments. Answer without it.');

    const requests = parts.model.requests('reply');
    expect(requests.map((request) => request.toolChoice)).toEqual(['auto', 'auto', 'auto', 'none', 'none']);
    // The definitions stay listed (earlier tool_calls refer to them) while tool use is off.
    expect(requests[3]!.tools!.map((tool) => tool.function.name)).toEqual(['fixtures__get_time']);
  });

  it('counts corrections per tool: one tool\'s mistakes do not withdraw another', async () => {
    const parts = loopParts(
      [
        toolCalls([{ name: 'fixtures__get_time', arguments: {} }]),
        toolCalls([{ name: 'fixtures__get_date', arguments: { zone: 'UTC' } }]),
        text('Done.'),
      ],
      [clockTool, { ...clockTool, name: 'get_date', execute: () => '2026-03-01' }],
    );
    const result = await run(parts, { settings: { maxCorrectionsPerTool: 1 } });
    expect(result.toolCalls.map((call) => call.outcome)).toEqual(['invalid_input', 'ok']);
    expect(parts.model.requests('reply')[1]!.tools!.map((tool) => tool.function.name)).toEqual(['fixtures__get_date']);
  });

  it('forces a final answer without tools once the step cap is reached', async () => {
    const parts = loopParts((request) =>
      request.toolChoice === 'none' ? text('Final answer after the limit.') : toolCalls([{ name: 'fixtures__get_time', arguments: { zone: 'UTC' } }]),
    );
    const result = await run(parts, { settings: { maxSteps: 2 } });
    expect(result).toMatchObject({ reply: 'Final answer after the limit.', modelCalls: 3, hitStepLimit: true });
    expect(result.toolCalls).toHaveLength(2);
    expect(parts.model.requests('reply').map((request) => request.toolChoice)).toEqual(['auto', 'auto', 'none']);
  });

  it('uses the text of a forced final answer even when the model still asks for tools', async () => {
    const parts = loopParts([toolCalls([{ name: 'fixtures__get_time', arguments: { zone: 'UTC' } }], 'Here is what I know.')]);
    const result = await run(parts, { settings: { maxSteps: 0 } });
    expect(result).toMatchObject({ reply: 'Here is what I know.', toolCalls: [], modelCalls: 1, hitStepLimit: true });
    expect(parts.tools.calls).toHaveLength(0);
  });

  it('replaces an empty final answer with the configured text', async () => {
    const result = await run(loopParts([text('   ')]));
    expect(result.reply).toBe('Nothing to say.');
  });

  it('gives calls without ids, or with repeated ones, unique ids that pair results with calls', async () => {
    const parts = loopParts([
      toolCalls([
        { id: '', name: 'fixtures__get_time', arguments: { zone: 'UTC' } },
        { id: 'same', name: 'fixtures__get_time', arguments: { zone: 'CET' } },
        { id: 'same', name: 'fixtures__get_time', arguments: { zone: 'EST' } },
      ]),
      text('Done.'),
    ]);
    const result = await run(parts);
    const ids = result.toolCalls.map((call) => call.id);
    expect(new Set(ids).size).toBe(3);
    expect(ids[1]).toBe('same');
    expect(ids.every((id) => id !== '')).toBe(true);
    expect(toolMessagesOf(parts.model, 1).map((message) => (message.role === 'tool' ? message.toolCallId : ''))).toEqual(ids);
  });

  it('reports text, tool calls started and finished as they happen', async () => {
    const seen: string[] = [];
    const started: ToolCallStart[] = [];
    const finished: ToolCallRecord[] = [];
    const parts = loopParts([
      { ...toolCalls([{ id: 'call_a', name: 'fixtures__get_time', arguments: { zone: 'UTC' } }], 'Checking. '), chunks: ['Check', 'ing. '] },
      text('It is noon.', { chunks: ['It is ', 'noon.'] }),
    ]);
    const result = await run(parts, {
      events: {
        textDelta: (delta) => void seen.push(`delta:${delta}`),
        toolCallStarted: (call) => void (started.push(call), seen.push(`started:${call.id}`)),
        toolCallFinished: (call) => void (finished.push(call), seen.push(`finished:${call.id}`)),
      },
    });
    expect(seen).toEqual(['delta:Check', 'delta:ing. ', 'started:call_a', 'finished:call_a', 'delta:It is ', 'delta:noon.']);
    expect(started).toEqual([{ id: 'call_a', name: 'fixtures__get_time', plugin: 'fixtures', pluginVersion: '1.0.0', arguments: '{"zone":"UTC"}' }]);
    expect(finished).toEqual(result.toolCalls);
  });

  it('ends with HOST_CANCELED when the caller leaves during a tool call, aborting the tool', async () => {
    const controller = new AbortController();
    let toolSignal: AbortSignal | undefined;
    const parts = loopParts(
      [toolCalls([{ name: 'fixtures__wait', arguments: { zone: 'UTC' } }]), text('never asked')],
      [
        {
          ...clockTool,
          name: 'wait',
          execute: (_args, signal) => {
            toolSignal = signal;
            controller.abort(new Error('client left'));
            return new Promise<string>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
          },
        },
      ],
    );
    const error = await rejection(run(parts, { caller: callerFor('default', 15_000, controller.signal) }));
    expect(error.code).toBe('HOST_CANCELED');
    expect(toolSignal?.aborted).toBe(true);
  });

  it('ends with HOST_CANCELED when the caller leaves while the model answers', async () => {
    const controller = new AbortController();
    let modelCalled!: () => void;
    const called = new Promise<void>((resolve) => (modelCalled = resolve));
    const parts = loopParts(() => {
      modelCalled();
      return new Promise(() => {});
    });
    const turn = run(parts, { caller: callerFor('default', 15_000, controller.signal) });
    await called;
    controller.abort(new Error('client left'));
    expect((await rejection(turn)).code).toBe('HOST_CANCELED');
  });

  it('stops waiting for a tool that ignores its signal when the deadline passes', async () => {
    // The model would wait for ever too: only the deadline (the call's signal, as the transport sets it) ends the turn.
    const parts = loopParts(
      [toolCalls([{ name: 'fixtures__stuck', arguments: { zone: 'UTC' } }]), new Promise(() => {})],
      [{ ...clockTool, name: 'stuck', execute: () => new Promise<string>(() => {}) }],
    );
    const finished: ToolCallRecord[] = [];
    const caller = callerFor('default', 300, AbortSignal.timeout(300));
    const error = await rejection(run(parts, { caller, events: { toolCallFinished: (call) => void finished.push(call) } }));
    expect(error.code).toBe('HOST_DEADLINE_EXCEEDED');
    expect(finished).toEqual([
      expect.objectContaining({ outcome: 'timeout', result: 'Error: fixtures__stuck did not finish before the request deadline.' }),
    ]);
  });
});
