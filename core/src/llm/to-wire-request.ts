import type OpenAI from 'openai';
import type { CompletionRequest, ModelMessage } from './model-types.js';
import type { WireToolsOf } from './wire-tools.js';

/** The part of a Chat Completions request every attempt shares; `stream` is added per attempt. */
export interface WireRequest {
  readonly model: string;
  readonly messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[];
  readonly tools?: OpenAI.Chat.Completions.ChatCompletionTool[];
  readonly tool_choice?: 'auto' | 'none';
}

/**
 * Builds the OpenAI request body; tools (in the endpoint's form, {@link WireToolsOf}) and `tool_choice`
 * are sent only when there are tools.
 */
export function toWireRequest(request: CompletionRequest, modelName: string, wireTools: WireToolsOf): WireRequest {
  return {
    model: modelName,
    messages: request.messages.map(toWireMessage),
    ...(request.tools && request.tools.length > 0 ? { tools: wireTools(request.tools), tool_choice: request.toolChoice ?? 'auto' } : {}),
  };
}

/** One provider-neutral message in the OpenAI shape (tool calls and results keep their ids). */
export function toWireMessage(message: ModelMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant':
      if (message.toolCalls && message.toolCalls.length > 0) {
        return {
          role: 'assistant',
          content: message.content,
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: call.arguments },
          })),
        };
      }
      return { role: 'assistant', content: message.content ?? '' };
  }
}
