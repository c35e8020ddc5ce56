import type OpenAI from 'openai';
import type { ModelUsage } from './model-types.js';
import { toModelUsage, type AttemptResult } from './read-completion.js';

/** Where a streaming call hands out text, and whether it has handed out any (which rules out retries). */
export interface TextDelivery {
  readonly onTextDelta: (text: string) => void | Promise<void>;
  hasDelivered: boolean;
}

/** A stream that stopped before its finish reason: the answer is truncated, worth another attempt. */
export class IncompleteStreamError extends Error {
  constructor() {
    super('the model stream ended without a finish reason');
  }
}

/**
 * Assembles a streamed answer: text in order, tool calls from their fragments (by index), the finish reason,
 * the usage chunk and the answering model. Text goes to `delivery` as it arrives, each hand-out awaited
 * before the next chunk is read, so a slow consumer slows the model connection instead of filling memory.
 * `onProgress` is told of every chunk and of every hand-out that finished (a slow consumer is not a
 * silent model).
 */
export async function accumulateStream(
  chunks: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
  modelName: string,
  delivery: TextDelivery | undefined,
  onProgress: () => void = () => {},
): Promise<AttemptResult> {
  let content = '';
  let hasContent = false;
  let finishReason: string | null = null;
  let usage: ModelUsage | undefined;
  let responseModel = modelName;
  const fragments = new Map<number, { id: string; name: string; arguments: string }>();
  for await (const chunk of chunks) {
    onProgress();
    if (chunk.model) responseModel = chunk.model;
    if (chunk.usage) usage = toModelUsage(chunk.usage);
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.content) {
      content += choice.delta.content;
      hasContent = true;
      if (delivery) {
        delivery.hasDelivered = true;
        await delivery.onTextDelta(choice.delta.content);
        onProgress();
      }
    }
    for (const fragment of choice.delta.tool_calls ?? []) {
      const current = fragments.get(fragment.index) ?? { id: '', name: '', arguments: '' };
      if (fragment.id) current.id = fragment.id;
      if (fragment.function?.name) current.name += fragment.function.name;
      if (fragment.function?.arguments) current.arguments += fragment.function.arguments;
      fragments.set(fragment.index, current);
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  // The SDK ends the iteration quietly when the body stops early (a dropped connection, an abort):
  // without a finish reason the answer is truncated, not complete.
  if (finishReason === null) throw new IncompleteStreamError();
  const toolCalls = [...fragments.entries()]
    .sort(([left], [right]) => left - right)
    .map(([, call]) => call);
  return { content: hasContent ? content : null, toolCalls, finishReason, usage, model: responseModel };
}
