// A ModelClient (our own port) that answers from a script, for the chat unit tests. It keeps the real
// client's contract where the use cases depend on it: the caller's signal and deadline end a call
// with HOST_CANCELED / HOST_DEADLINE_EXCEEDED, text reaches `onTextDelta` chunk by chunk (each delivery
// awaited), and token counts come from the real offline counter.
import { HostError } from '../../errors/index.js';
import {
  createTokenCounter,
  type Completion,
  type CompletionRequest,
  type ModelCallOptions,
  type ModelCallPurpose,
  type ModelClient,
  type ModelUsage,
} from '../../llm/index.js';

/** A tool call in a scripted answer; object arguments are sent as JSON text, ids default to `call_<n>`. */
export interface ScriptedToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments: string | Readonly<Record<string, unknown>>;
}

/** One scripted model answer, or the failure to throw instead. */
export type ScriptedAnswer =
  | {
      readonly content?: string | null;
      readonly toolCalls?: readonly ScriptedToolCall[];
      /** How the text is handed to `onTextDelta` (default: all of it at once). */
      readonly chunks?: readonly string[];
      readonly usage?: ModelUsage;
    }
  | { readonly error: unknown };

/** What a purpose answers: answers taken in order (running out fails the call), or a function of the request. */
export type ScriptedAnswers =
  | readonly (ScriptedAnswer | Promise<ScriptedAnswer>)[]
  | ((request: CompletionRequest, callIndex: number) => ScriptedAnswer | Promise<ScriptedAnswer>);

/** One call the client received. */
export interface ScriptedCall {
  readonly request: CompletionRequest;
  readonly options: ModelCallOptions;
}

export interface ScriptedModelClient extends ModelClient {
  /** Every call, in the order they arrived. */
  readonly calls: ScriptedCall[];
  /** The requests of one purpose, in order. */
  requests(purpose: ModelCallPurpose): CompletionRequest[];
}

/** A text answer. */
export function text(content: string, extra: { chunks?: readonly string[]; usage?: ModelUsage } = {}): ScriptedAnswer {
  return { content, ...extra };
}

/** An answer asking for tool calls (optionally with some text before them). */
export function toolCalls(calls: readonly ScriptedToolCall[], content: string | null = null): ScriptedAnswer {
  return { content, toolCalls: calls };
}

/** A model client answering each purpose from its script; purposes without one fail their calls. */
export function createScriptedModel(script: Partial<Record<ModelCallPurpose, ScriptedAnswers>>, model = 'scripted-model'): ScriptedModelClient {
  const calls: ScriptedCall[] = [];
  const counts = new Map<ModelCallPurpose, number>();
  let generatedIds = 0;

  async function answerFor(request: CompletionRequest): Promise<ScriptedAnswer> {
    const answers = script[request.purpose];
    const index = counts.get(request.purpose) ?? 0;
    counts.set(request.purpose, index + 1);
    if (answers === undefined) throw new Error(`the script has no ${request.purpose} answers`);
    if (typeof answers === 'function') return answers(request, index);
    const answer = answers[index];
    if (answer === undefined) throw new Error(`the script ran out of ${request.purpose} answers after ${index}`);
    return answer;
  }

  return {
    isConfigured: true,
    model,
    tokenCounter: createTokenCounter(model),
    calls,
    requests: (purpose) => calls.filter((call) => call.request.purpose === purpose).map((call) => call.request),
    async complete(request, options): Promise<Completion> {
      // A snapshot: the loop keeps appending to the array it passes.
      calls.push({ request: { ...request, messages: [...request.messages] }, options });
      throwIfStopped(options);
      const answer = await untilStopped(answerFor(request), options);
      if ('error' in answer) throw answer.error;
      const content = answer.content ?? null;
      if (options.onTextDelta && content) {
        for (const chunk of answer.chunks ?? [content]) {
          throwIfStopped(options);
          await options.onTextDelta(chunk);
        }
      }
      throwIfStopped(options);
      return {
        content,
        toolCalls: (answer.toolCalls ?? []).map((call) => ({
          id: call.id ?? `call_${(generatedIds += 1)}`,
          name: call.name,
          arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
        })),
        finishReason: answer.toolCalls?.length ? 'tool_calls' : 'stop',
        usage: answer.usage,
        model,
        attempts: 1,
      };
    },
  };
}

// As the real client decides: a timeout abort or a passed deadline is the deadline, any other abort a cancellation.
function throwIfStopped(options: ModelCallOptions): void {
  const reason: unknown = options.signal.reason;
  const isTimeout = options.signal.aborted && reason instanceof DOMException && reason.name === 'TimeoutError';
  if (isTimeout || Date.now() >= options.deadline) {
    throw new HostError('HOST_DEADLINE_EXCEEDED', 'the request deadline was exceeded while waiting for the model');
  }
  if (options.signal.aborted) throw new HostError('HOST_CANCELED', 'the request was canceled', { cause: reason });
}

// A scripted answer may be held back by the test; the caller leaving still ends the call at once.
async function untilStopped<T>(work: Promise<T>, options: ModelCallOptions): Promise<T> {
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      try {
        throwIfStopped(options);
      } catch (error) {
        reject(error);
      }
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    // The script itself may have been what aborted the call.
    if (options.signal.aborted) onAbort();
  });
  try {
    return await Promise.race([work, stopped]);
  } finally {
    options.signal.removeEventListener('abort', onAbort!);
  }
}
