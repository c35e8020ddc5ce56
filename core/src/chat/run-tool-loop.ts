import { randomBytes } from 'node:crypto';
import { startTimeoutScope } from '../deadlines/index.js';
import { MESSAGE_OVERHEAD_TOKENS, toolCallingMessageTokens, toolCallTokens, type ModelClient, type ModelMessage, type ModelTool, type ModelToolCall } from '../llm/index.js';
import type { MessageTokenUsage, ToolCallRecord } from '../storage/conversation-store.js';
import type { ToolCallResult, ToolExecutor } from '../tool-calls/index.js';
import type { CallerContext } from './caller-context.js';
import { toolCallRecord, TurnImageBudget } from './tool-call-record.js';
import type { ToolCallStart, TurnEvents } from './turn-events.js';

/** Bounds of one turn's tool loop. */
export interface ToolLoopSettings {
  /** Model calls that may ask for tools; one more call (tools disabled) then forces an answer. */
  readonly maxSteps: number;
  /** Invalid-argument corrections allowed per tool per turn before the tool is withdrawn. */
  readonly maxCorrectionsPerTool: number;
  /** Sent to the user when the model's final answer is empty. */
  readonly emptyReplyText: string;
}

/** What a turn produced. */
export interface ToolLoopResult {
  readonly reply: string;
  readonly toolCalls: readonly ToolCallRecord[];
  /** Summed over the turn's model calls; undefined when none of them reported usage. */
  readonly usage: MessageTokenUsage | undefined;
  readonly modelCalls: number;
  /** True when the step limit forced the final answer. */
  readonly hitStepLimit: boolean;
}

/** Input of one turn. */
export interface ToolLoopInput {
  readonly messages: readonly ModelMessage[];
  readonly rawPromptTokens: number;
  readonly tools: readonly ModelTool[];
  readonly caller: CallerContext;
  /** Streaming edges follow the turn through these (text deltas, tool calls started and finished). */
  readonly events?: TurnEvents | undefined;
}

/**
 * The bounded tool-calling loop: ask the model; run the tools it asks for in parallel through the
 * plugin host's call path (which never throws); feed results and structured errors back; repeat up
 * to `maxSteps`, then make one last call with tool_choice "none" so the user always gets an answer.
 */
export async function runToolLoop(
  deps: { model: ModelClient; executor: ToolExecutor; settings: ToolLoopSettings },
  input: ToolLoopInput,
): Promise<ToolLoopResult> {
  const { model, executor, settings } = deps;
  const { caller, events } = input;
  const onTextDelta = events?.textDelta?.bind(events);
  const counter = model.tokenCounter;
  const messages: ModelMessage[] = [...input.messages];
  let rawPromptTokens = input.rawPromptTokens;
  let offeredTools = input.tools;
  const records: ToolCallRecord[] = [];
  const corrections = new Map<string, number>();
  const withdrawn = new Set<string>();
  let usage: MessageTokenUsage | undefined;
  let modelCalls = 0;
  const images = new TurnImageBudget();

  for (let step = 0; ; step += 1) {
    const isForcedFinal = step >= settings.maxSteps;
    const hasTools = offeredTools.length > 0;
    const completion = await model.complete(
      {
        purpose: 'reply',
        messages,
        // When every tool was withdrawn, the definitions stay (earlier tool_calls refer to them) but are disabled.
        tools: hasTools ? offeredTools : input.tools,
        toolChoice: isForcedFinal || !hasTools ? 'none' : 'auto',
        estimatedPromptTokens: rawPromptTokens,
      },
      { signal: caller.signal, deadline: caller.deadline, onTextDelta },
    );
    modelCalls += 1;
    if (completion.usage !== undefined) {
      usage = {
        promptTokens: (usage?.promptTokens ?? 0) + completion.usage.promptTokens,
        completionTokens: (usage?.completionTokens ?? 0) + completion.usage.completionTokens,
      };
    }

    if (completion.toolCalls.length === 0 || isForcedFinal) {
      const content = completion.content?.trim() ?? '';
      if (isForcedFinal && completion.toolCalls.length > 0) {
        caller.logger.warn({ step }, 'model still asked for tools after tool_choice "none"; using its text');
      }
      return {
        reply: content === '' ? settings.emptyReplyText : content,
        toolCalls: records,
        usage,
        modelCalls,
        hitStepLimit: isForcedFinal,
      };
    }

    const calls = withUniqueIds(completion.toolCalls);
    const assistant: ModelMessage = { role: 'assistant', content: completion.content, toolCalls: calls };
    messages.push(assistant);
    // Counted per call, and each call's count is stored with it: later turns replay it without tokenizing.
    const callTokens = calls.map((call) => toolCallTokens(counter, call));
    rawPromptTokens += toolCallingMessageTokens(counter.countText(completion.content ?? ''), callTokens);

    if (events?.toolCallStarted) {
      for (const call of calls) await events.toolCallStarted(announce(executor, call));
    }
    // All calls run at once; results are taken in the model's order (each correction note depends on
    // the ones before it), and each is reported as soon as it and those before it are done.
    const pending = calls.map((call) =>
      withdrawn.has(call.name) ? Promise.resolve(withdrawnResult(call)) : callWithinDeadline(executor, call, caller),
    );

    for (const [position, call] of calls.entries()) {
      const result = await pending[position]!;
      let content = result.content;
      if (result.outcome === 'invalid_input') {
        const used = (corrections.get(call.name) ?? 0) + 1;
        corrections.set(call.name, used);
        const left = settings.maxCorrectionsPerTool - used;
        if (left > 0) {
          content += `\n(Correct the arguments to match the parameters of ${call.name} and call it again; ${left} correction${left === 1 ? '' : 's'} left in this turn.)`;
        } else {
          withdrawn.add(call.name);
          offeredTools = offeredTools.filter((tool) => !withdrawn.has(tool.function.name));
          content += `\n(${call.name} is no longer available in this turn after repeated invalid arguments; answer without it.)`;
        }
      }
      const toolMessage: ModelMessage = { role: 'tool', toolCallId: call.id, content };
      messages.push(toolMessage);
      const resultTokens = counter.countText(content);
      rawPromptTokens += MESSAGE_OVERHEAD_TOKENS + resultTokens;
      const tokens = { call: callTokens[position]!, result: resultTokens };
      const record: ToolCallRecord = toolCallRecord(call, result, { content, tokens }, images, caller.logger);
      records.push(record);
      await events?.toolCallFinished?.(record);
    }
  }
}

// Some OpenAI-compatible servers omit or repeat tool-call ids; the API requires unique ones to pair results.
function withUniqueIds(calls: readonly ModelToolCall[]): ModelToolCall[] {
  const seen = new Set<string>();
  return calls.map((call) => {
    let id = call.id;
    if (id === '' || seen.has(id)) id = `call_${randomBytes(9).toString('base64url')}`;
    seen.add(id);
    return { ...call, id };
  });
}

function announce(executor: ToolExecutor, call: ModelToolCall): ToolCallStart {
  const provenance = executor.describeTool(call.name);
  return {
    id: call.id,
    name: call.name,
    ...(provenance ? { plugin: provenance.plugin, pluginVersion: provenance.pluginVersion } : {}),
    arguments: call.arguments,
  };
}

function withdrawnResult(call: ModelToolCall): ToolCallResult {
  return {
    exposedName: call.name,
    outcome: 'rejected',
    content: `Error: ${call.name} is not available in this turn after repeated invalid arguments. Answer without it.`,
    durationMs: 0,
  };
}

// The call path honours the signal, but the turn's deadline must hold even if a tool does not.
async function callWithinDeadline(
  executor: ToolExecutor,
  call: ModelToolCall,
  caller: CallerContext,
): Promise<ToolCallResult> {
  const remaining = Math.max(0, caller.deadline - Date.now());
  const scope = startTimeoutScope(caller.signal, remaining);
  const { signal } = scope;
  const startedAt = performance.now();
  const abandoned = new Promise<ToolCallResult>((resolve) => {
    const onAbort = (): void =>
      resolve({
        exposedName: call.name,
        outcome: 'timeout',
        content: `Error: ${call.name} did not finish before the request deadline.`,
        durationMs: performance.now() - startedAt,
      });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([
    executor.callTool(call.name, call.arguments, {
      signal,
      callId: call.id,
      tenantId: caller.tenantId,
      traceparent: caller.traceparent,
    }),
    abandoned,
  ]).finally(() => scope.dispose());
}
