import type OpenAI from 'openai';
import type { Completion, ModelToolCall, ModelUsage } from './model-types.js';

/** What one successful attempt yields; the caller adds how many attempts it took. */
export type AttemptResult = Omit<Completion, 'attempts'>;

/** A 200 answer without a single choice: malformed, worth another attempt. */
export class EmptyChoicesError extends Error {
  constructor() {
    super('the model endpoint returned no choices');
  }
}

/** Reads a non-streamed answer: the first choice's text and function tool calls, the usage and the model that answered. */
export function readCompletion(response: OpenAI.Chat.Completions.ChatCompletion, modelName: string): AttemptResult {
  const choice = response.choices[0];
  if (!choice) throw new EmptyChoicesError();
  const toolCalls: ModelToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type !== 'function') continue;
    toolCalls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  return {
    content: choice.message.content ?? null,
    toolCalls,
    finishReason: choice.finish_reason ?? null,
    usage: toModelUsage(response.usage),
    model: response.model || modelName,
  };
}

/** The token usage the API reported, if it did. */
export function toModelUsage(usage: OpenAI.CompletionUsage | null | undefined): ModelUsage | undefined {
  if (!usage) return undefined;
  return { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 };
}
