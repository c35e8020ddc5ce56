import OpenAI, { APIError } from 'openai';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTimeoutScope } from '../deadlines/index.js';
import { HostError } from '../errors/index.js';
import type {
  Completion,
  CompletionRequest,
  ModelCallOptions,
  ModelCallRecord,
  ModelMessage,
  ModelToolCall,
  ModelUsage,
} from './model-types.js';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryableFailure,
  serverRequestedDelayMs,
  type RetryPolicy,
} from './retry-policy.js';
import { createChatCompletionsEndpoint } from './chat-completions-endpoint.js';
import { createNodeHttpFetch } from './node-http-fetch.js';
import { createTokenCounter, type TokenCounter } from './token-counter.js';

/** How to reach an OpenAI-compatible endpoint. Nothing here has a model-name default: config supplies it. */
export interface ModelClientOptions {
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly model?: string | undefined;
  /** Model for titles and summaries; defaults to `model`. */
  readonly titleModel?: string | undefined;
  /** Upper bound of one HTTP attempt (the request deadline may cut it shorter). */
  readonly timeoutMs: number;
  /** Total attempts including the first. */
  readonly maxAttempts: number;
  /** Use `stream: true` and assemble the answer from the chunks (calls with `onTextDelta` always stream). */
  readonly stream?: boolean | undefined;
  readonly retry?: Partial<Omit<RetryPolicy, 'maxAttempts'>> | undefined;
  /** Called once per completed or failed call (after retries): metrics and spans hook. */
  readonly onCall?: ((record: ModelCallRecord) => void) | undefined;
  /** Randomness for backoff jitter (tests pin it). */
  readonly random?: (() => number) | undefined;
}

/** The model adapter the chat use cases depend on. */
export interface ModelClient {
  /** False when no endpoint/model is configured; every call then fails with HOST_MODEL_NOT_CONFIGURED. */
  readonly isConfigured: boolean;
  /** The reply model (undefined when not configured). */
  readonly model: string | undefined;
  readonly tokenCounter: TokenCounter;
  complete(request: CompletionRequest, options: ModelCallOptions): Promise<Completion>;
}

const NOT_CONFIGURED_MESSAGE =
  'no model endpoint is configured: set OPENAI_MODEL and OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server such as Ollama, vLLM or llama.cpp)';

/** Builds the model adapter. It never throws at construction; missing config surfaces per call. */
export function createModelClient(options: ModelClientOptions): ModelClient {
  const model = options.model?.trim() || undefined;
  const isConfigured = model !== undefined && (options.apiKey !== undefined || options.baseURL !== undefined);
  const tokenCounter = createTokenCounter(model);
  if (!isConfigured) {
    return {
      isConfigured: false,
      model,
      tokenCounter,
      complete: () => Promise.reject(new HostError('HOST_MODEL_NOT_CONFIGURED', NOT_CONFIGURED_MESSAGE)),
    };
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry, maxAttempts: Math.max(1, options.maxAttempts) };
  const random = options.random ?? Math.random;
  const fetch = createNodeHttpFetch();
  const client = new OpenAI({
    // Local servers need no key, but the SDK insists on one.
    apiKey: options.apiKey ?? 'not-needed',
    baseURL: options.baseURL ?? null,
    timeout: options.timeoutMs,
    // Our own retry loop owns retries; SDK retries would stack on top of it.
    maxRetries: 0,
    fetch,
  });
  const completions = createChatCompletionsEndpoint(client, fetch);
  const titleModel = options.titleModel?.trim() || model;
  const isStreaming = options.stream === true;

  async function attempt(
    request: CompletionRequest,
    modelName: string,
    signal: AbortSignal,
    delivery: TextDelivery | undefined,
  ): Promise<Omit<Completion, 'attempts'>> {
    const body = {
      model: modelName,
      messages: request.messages.map(toWireMessage),
      ...(request.tools && request.tools.length > 0
        ? { tools: request.tools as OpenAI.Chat.Completions.ChatCompletionTool[], tool_choice: request.toolChoice ?? 'auto' }
        : {}),
    };
    if (!isStreaming && delivery === undefined) {
      const response = await completions.create({ ...body, stream: false }, { signal });
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
        usage: toUsage(response.usage),
        model: response.model || modelName,
      };
    }
    const stream = await completions.create(
      { ...body, stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    let content = '';
    let hasContent = false;
    let finishReason: string | null = null;
    let usage: ModelUsage | undefined;
    let responseModel = modelName;
    const fragments = new Map<number, { id: string; name: string; arguments: string }>();
    for await (const chunk of stream) {
      if (chunk.model) responseModel = chunk.model;
      if (chunk.usage) usage = toUsage(chunk.usage);
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        content += choice.delta.content;
        hasContent = true;
        if (delivery) {
          delivery.hasDelivered = true;
          await delivery.onTextDelta(choice.delta.content);
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

  return {
    isConfigured: true,
    model,
    tokenCounter,
    async complete(request, callOptions) {
      const modelName = request.purpose === 'reply' ? model : titleModel;
      const startedAt = performance.now();
      let attempts = 0;
      const delivery: TextDelivery | undefined = callOptions.onTextDelta
        ? { onTextDelta: callOptions.onTextDelta, hasDelivered: false }
        : undefined;
      const report = (record: Partial<ModelCallRecord> & Pick<ModelCallRecord, 'outcome'>): void => {
        options.onCall?.({
          purpose: request.purpose,
          model: modelName,
          attempts,
          durationMs: performance.now() - startedAt,
          streamed: isStreaming || delivery !== undefined,
          ...record,
        });
      };
      try {
        for (;;) {
          ensureTimeLeft(callOptions, policy.minAttemptMs);
          attempts += 1;
          const attemptBudget = Math.min(options.timeoutMs, callOptions.deadline - Date.now());
          const attemptScope = startTimeoutScope(callOptions.signal, attemptBudget);
          let failure: unknown;
          try {
            const result = await attempt(request, modelName, attemptScope.signal, delivery);
            if (result.usage && request.estimatedPromptTokens !== undefined) {
              tokenCounter.observe(request.estimatedPromptTokens, result.usage.promptTokens);
            }
            report({
              outcome: 'ok',
              promptTokens: result.usage?.promptTokens,
              completionTokens: result.usage?.completionTokens,
              finishReason: result.finishReason,
            });
            return { ...result, attempts };
          } catch (error) {
            failure = error;
          } finally {
            attemptScope.dispose();
          }
          throwIfCallerStopped(callOptions, failure);
          if (delivery?.hasDelivered) {
            // A second attempt would send the client the start of the reply again.
            throw new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint broke off its reply mid-stream; retry the turn', {
              cause: failure,
            });
          }
          const decision = classify(failure);
          if (decision.kind === 'fatal') throw decision.error;
          if (attempts >= policy.maxAttempts) {
            throw new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint is temporarily unavailable; retry later', {
              cause: failure,
            });
          }
          const requested = serverRequestedDelayMs(decision.headers);
          if (requested !== undefined && requested > policy.maxRetryAfterMs) {
            throw new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint is rate limited; retry later', {
              cause: failure,
            });
          }
          const delay = backoffDelayMs(attempts - 1, policy, random, requested);
          if (Date.now() + delay + policy.minAttemptMs > callOptions.deadline) {
            throw deadlineExceeded(failure);
          }
          if (delay > 0) {
            try {
              await sleep(delay, undefined, { signal: callOptions.signal });
            } catch (error) {
              throwIfCallerStopped(callOptions, error);
              throw error;
            }
          }
        }
      } catch (error) {
        const hostError = HostError.isInstance(error)
          ? error
          : new HostError('HOST_INTERNAL', 'model call failed', { cause: error });
        report({ outcome: 'error', errorCode: hostError.code });
        throw hostError;
      }
    },
  };
}

/** Where a streaming call hands out text, and whether it has handed out any (which rules out retries). */
interface TextDelivery {
  readonly onTextDelta: (text: string) => void | Promise<void>;
  hasDelivered: boolean;
}

class EmptyChoicesError extends Error {
  constructor() {
    super('the model endpoint returned no choices');
  }
}

class IncompleteStreamError extends Error {
  constructor() {
    super('the model stream ended without a finish reason');
  }
}

type FailureDecision =
  | { kind: 'retry'; headers: { get(name: string): string | null } | undefined }
  | { kind: 'fatal'; error: HostError };

function classify(failure: unknown): FailureDecision {
  if (failure instanceof APIError) {
    const facts = { status: failure.status, headers: failure.headers, code: failure.code };
    if (isRetryableFailure(facts)) return { kind: 'retry', headers: failure.headers };
    if (failure.code === 'insufficient_quota') {
      return {
        kind: 'fatal',
        error: new HostError('HOST_MODEL_UNAVAILABLE', 'the model endpoint refused the request: quota exhausted', {
          cause: failure,
        }),
      };
    }
    const meta: Record<string, string> = {};
    if (failure.status !== undefined) meta.upstream_status = String(failure.status);
    if (failure.code === 'context_length_exceeded') meta.reason = 'context_length_exceeded';
    // Upstream text stays in `cause` (logs); it can carry keys, URLs or prompt fragments.
    return {
      kind: 'fatal',
      error: new HostError('HOST_MODEL_REJECTED', `the model endpoint rejected the request (HTTP ${failure.status ?? '?'})`, {
        cause: failure,
        meta,
      }),
    };
  }
  if (failure instanceof EmptyChoicesError || failure instanceof IncompleteStreamError || failure instanceof SyntaxError) {
    return { kind: 'retry', headers: undefined };
  }
  // Stream or socket failures surface as plain errors (ECONNRESET, premature close): transient.
  if (failure instanceof Error && /ECONNRESET|ECONNREFUSED|EPIPE|socket|terminated|premature|network/i.test(`${failure.message} ${String((failure as { code?: unknown }).code ?? '')}`)) {
    return { kind: 'retry', headers: undefined };
  }
  return {
    kind: 'fatal',
    error: new HostError('HOST_INTERNAL', 'model call failed', { cause: failure }),
  };
}

function ensureTimeLeft(options: ModelCallOptions, minAttemptMs: number): void {
  throwIfCallerStopped(options, undefined);
  if (options.deadline - Date.now() < minAttemptMs) throw deadlineExceeded(undefined);
}

function throwIfCallerStopped(options: ModelCallOptions, cause: unknown): void {
  if (options.signal.aborted) {
    const reason: unknown = options.signal.reason;
    const isTimeout = reason instanceof DOMException && reason.name === 'TimeoutError';
    if (isTimeout || Date.now() >= options.deadline) throw deadlineExceeded(cause ?? reason);
    throw new HostError('HOST_CANCELED', 'the request was canceled', { cause: cause ?? reason });
  }
  if (Date.now() >= options.deadline) throw deadlineExceeded(cause);
}

function deadlineExceeded(cause: unknown): HostError {
  return new HostError('HOST_DEADLINE_EXCEEDED', 'the request deadline was exceeded while waiting for the model', {
    cause,
  });
}

function toUsage(usage: OpenAI.CompletionUsage | null | undefined): ModelUsage | undefined {
  if (!usage) return undefined;
  return { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 };
}

function toWireMessage(message: ModelMessage): OpenAI.Chat.Completions.ChatCompletionMessageParam {
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

