import OpenAI from 'openai';
import { HostError } from '../errors/index.js';
import { accumulateStream, type TextDelivery } from './accumulate-stream.js';
import { createChatCompletionsEndpoint } from './chat-completions-endpoint.js';
import type { Completion, CompletionRequest, ModelCallOptions, ModelCallRecord, StrictToolsSetting } from './model-types.js';
import { createNodeHttpFetch } from './node-http-fetch.js';
import { readCompletion, type AttemptResult } from './read-completion.js';
import { ModelCallRetries } from './retry-model-call.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.js';
import { toWireRequest, type WireRequest } from './to-wire-request.js';
import { createTokenCounter, type TokenCounter } from './token-counter.js';
import { createWireTools, usesStrictTools } from './wire-tools.js';

/** How to reach an OpenAI-compatible endpoint. Nothing here has a model-name default: config supplies it. */
export interface ModelClientOptions {
  readonly apiKey?: string | undefined;
  readonly baseURL?: string | undefined;
  readonly model?: string | undefined;
  /** Model for titles and summaries; defaults to `model`. */
  readonly titleModel?: string | undefined;
  /**
   * How long one HTTP attempt may wait for the answer — for a streamed answer, for its headers and then
   * for each next chunk; the request deadline bounds the whole call.
   */
  readonly timeoutMs: number;
  /** Total attempts including the first. */
  readonly maxAttempts: number;
  /** Use `stream: true` and assemble the answer from the chunks (calls with `onTextDelta` always stream). */
  readonly stream?: boolean | undefined;
  /** Offer tools in OpenAI's strict form (default `auto`: only to OpenAI's own API, see {@link usesStrictTools}). */
  readonly strictTools?: StrictToolsSetting | undefined;
  readonly retry?: Partial<Omit<RetryPolicy, 'maxAttempts'>> | undefined;
  /** Called once per completed or failed call (after retries), with the HostError the call fails with. */
  readonly onCall?: ((record: ModelCallRecord, error?: HostError) => void) | undefined;
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

/**
 * Builds the model adapter. It never throws at construction; missing config surfaces per call. A call is
 * built once ({@link toWireRequest}), attempted under {@link ModelCallRetries}, read whole
 * ({@link readCompletion}) or assembled from a stream ({@link accumulateStream}), and reported to `onCall`.
 */
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
  const wireTools = createWireTools(usesStrictTools(options.strictTools ?? 'auto', options.baseURL));

  /** One HTTP attempt: a plain request, or a streamed one whenever text is to be handed out or OPENAI_STREAM is on. */
  async function attempt(request: WireRequest, signal: AbortSignal, progress: () => void, delivery: TextDelivery | undefined): Promise<AttemptResult> {
    if (!isStreaming && delivery === undefined) {
      return readCompletion(await completions.create({ ...request, stream: false }, { signal }), request.model);
    }
    const stream = await completions.create({ ...request, stream: true, stream_options: { include_usage: true } }, { signal });
    return accumulateStream(stream, request.model, delivery, progress);
  }

  return {
    isConfigured: true,
    model,
    tokenCounter,
    async complete(request, callOptions) {
      const modelName = request.purpose === 'reply' ? model : titleModel;
      const startedAt = performance.now();
      const delivery: TextDelivery | undefined = callOptions.onTextDelta
        ? { onTextDelta: callOptions.onTextDelta, hasDelivered: false }
        : undefined;
      const retries = new ModelCallRetries({
        policy,
        attemptTimeoutMs: options.timeoutMs,
        call: callOptions,
        random,
        hasHandedOutText: () => delivery?.hasDelivered === true,
      });
      const report = (record: Partial<ModelCallRecord> & Pick<ModelCallRecord, 'outcome'>, error?: HostError): void => {
        options.onCall?.({
          purpose: request.purpose,
          model: modelName,
          attempts: retries.attempts,
          durationMs: performance.now() - startedAt,
          streamed: isStreaming || delivery !== undefined,
          ...record,
        }, error);
      };
      try {
        const wireRequest = toWireRequest(request, modelName, wireTools);
        const result = await retries.run((signal, progress) => attempt(wireRequest, signal, progress, delivery));
        if (result.usage && request.estimatedPromptTokens !== undefined) {
          tokenCounter.observe(request.estimatedPromptTokens, result.usage.promptTokens);
        }
        report({
          outcome: 'ok',
          promptTokens: result.usage?.promptTokens,
          completionTokens: result.usage?.completionTokens,
          finishReason: result.finishReason,
        });
        return { ...result, attempts: retries.attempts };
      } catch (error) {
        const hostError = HostError.isInstance(error)
          ? error
          : new HostError('HOST_INTERNAL', 'model call failed', { cause: error });
        report({ outcome: 'error', errorCode: hostError.code }, hostError);
        throw hostError;
      }
    },
  };
}
