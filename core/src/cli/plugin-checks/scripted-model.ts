import { createTokenCounter, type Completion, type CompletionRequest, type ModelClient, type ModelMessage, type ModelToolCall } from '../../llm/index.js';

/** The model of a conformance turn: asks for the given tool calls once, then answers with text. */
export interface ScriptedModel extends ModelClient {
  /** Every request the chat loop sent, in order. */
  readonly requests: CompletionRequest[];
  /** The tool results the loop fed back, by tool-call id. */
  readonly toolResults: Map<string, string>;
}

export const SCRIPTED_MODEL_NAME = 'acai-conformance-script';
export const SCRIPTED_FINAL_REPLY = 'conformance turn complete';

/**
 * A deterministic stand-in for the model, so a conformance run drives the host's own tool loop
 * (tool list, argument corrections, result shaping) without any network: the first completion
 * requests `calls`, the next one (which sees the tool results) ends the turn.
 */
export function createScriptedModel(calls: readonly ModelToolCall[]): ScriptedModel {
  const requests: CompletionRequest[] = [];
  const toolResults = new Map<string, string>();
  const completion = (content: string | null, toolCalls: readonly ModelToolCall[]): Completion => ({
    content,
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    usage: { promptTokens: 0, completionTokens: 0 },
    model: SCRIPTED_MODEL_NAME,
    attempts: 1,
  });
  return {
    isConfigured: true,
    model: SCRIPTED_MODEL_NAME,
    tokenCounter: createTokenCounter(SCRIPTED_MODEL_NAME),
    requests,
    toolResults,
    async complete(request) {
      requests.push(request);
      for (const message of request.messages as readonly ModelMessage[]) {
        if (message.role === 'tool') toolResults.set(message.toolCallId, message.content);
      }
      return requests.length === 1 ? completion(null, calls) : completion(SCRIPTED_FINAL_REPLY, []);
    },
  };
}
