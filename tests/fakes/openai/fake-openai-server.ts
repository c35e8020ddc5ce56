import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

// A local stand-in for the OpenAI Chat Completions API (external-apis.md §1), driven by tests through
// the real `openai` package. It answers from scripted steps, validates what real endpoints validate
// (auth, tool names, tool_call/tool pairing, stream_options) and records every request.

/** A tool call the fake should answer with. `arguments` objects are JSON-encoded. */
export interface FakeToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments: string | Record<string, unknown>;
}

/** Token usage to report instead of the fake's own estimate. */
export interface FakeUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

interface StepTiming {
  /** Wait this long before answering (the fake stops waiting when the client goes away). */
  readonly delayMs?: number;
  /** Answer only after this settles (lets a test prove two requests were in flight together). */
  readonly waitFor?: Promise<unknown>;
}

/** How a streamed answer (`stream: true`) is paced; ignored for plain answers. */
export interface StreamPacing {
  /** The text in these pieces, one chunk each (they must join to `content`); default: two halves. */
  readonly chunks?: readonly string[];
  /** Wait this long before each content or argument chunk. */
  readonly chunkDelayMs?: number;
  /** After this many content chunks, wait for `resume` before sending the rest (a model pausing mid-reply). */
  readonly pauseAfterChunks?: number;
  readonly resume?: Promise<unknown>;
  /** Drop the connection after this many content chunks (a stream that breaks off). */
  readonly breakAfterChunks?: number;
}

/** One scripted answer. */
export type FakeStep =
  | (StepTiming &
      StreamPacing & { readonly type: 'text'; readonly content: string; readonly usage?: FakeUsage; readonly finishReason?: string })
  | (StepTiming &
      StreamPacing & {
      readonly type: 'tool_calls';
      readonly calls: readonly FakeToolCall[];
      readonly content?: string | null;
      readonly usage?: FakeUsage;
    })
  | (StepTiming & {
      readonly type: 'error';
      readonly status: number;
      readonly message?: string;
      readonly errorType?: string;
      readonly code?: string | null;
      readonly param?: string | null;
      readonly headers?: Readonly<Record<string, string>>;
    })
  /** Drops the TCP connection without answering (a connection reset). */
  | (StepTiming & { readonly type: 'reset' });

/** A request the fake received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body (undefined when it was not JSON). */
  readonly body: ChatCompletionBody | undefined;
  /** How the exchange ended: the fake finished its answer, or the connection closed first (client abort, reset). */
  readonly outcome: Promise<'finished' | 'aborted'>;
  /** Content chunks of a streamed answer the client's connection has taken so far (the fake honours back-pressure). */
  readonly progress: { chunksSent: number };
}

/** The fields of a chat completion request the tests look at. */
export interface ChatCompletionBody {
  readonly model: string;
  readonly messages: readonly WireMessage[];
  readonly tools?: readonly { type: string; function: { name: string; description?: string; parameters?: unknown; strict?: boolean } }[];
  readonly tool_choice?: unknown;
  readonly stream?: boolean;
  readonly stream_options?: { include_usage?: boolean };
  readonly [key: string]: unknown;
}

/** A message as it appears on the wire. */
export interface WireMessage {
  readonly role: string;
  readonly content?: string | null | readonly { type: string; text?: string }[];
  readonly tool_calls?: readonly { id: string; type: string; function: { name: string; arguments: string } }[];
  readonly tool_call_id?: string;
}

/** Chooses an answer when no scripted step is queued. */
export type FakeResponder = (body: ChatCompletionBody, requestIndex: number) => FakeStep;

/** A running fake. */
export interface FakeOpenAIServer {
  /** Base URL to give the SDK (ends with `/v1`). */
  readonly baseURL: string;
  readonly apiKey: string;
  /** Every request, in arrival order (including rejected ones). */
  readonly requests: RecordedRequest[];
  /** Bodies of chat completion requests, optionally for one model only. */
  completionBodies(model?: string): ChatCompletionBody[];
  /** Queues answers for any model (used after the per-model queue). */
  enqueue(...steps: FakeStep[]): void;
  /** Queues answers for requests naming `model`. */
  enqueueFor(model: string, ...steps: FakeStep[]): void;
  /** Answers requests when the queues are empty (default: a short text reply). */
  respondWith(responder: FakeResponder): void;
  /** Forgets queued steps and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Shorthand: a text answer. */
export function textReply(content: string, extra: Partial<Omit<Extract<FakeStep, { type: 'text' }>, 'type' | 'content'>> = {}): FakeStep {
  return { type: 'text', content, ...extra };
}

/** Shorthand: a text answer streamed in exactly these chunks (one `delta.content` each). */
export function streamedTextReply(
  chunks: readonly string[],
  extra: Partial<Omit<Extract<FakeStep, { type: 'text' }>, 'type' | 'content' | 'chunks'>> = {},
): FakeStep {
  return { type: 'text', content: chunks.join(''), chunks, ...extra };
}

/** Shorthand: an answer asking for tool calls. */
export function toolCallsReply(
  calls: readonly FakeToolCall[],
  extra: StreamPacing & { delayMs?: number; waitFor?: Promise<unknown>; usage?: FakeUsage; content?: string | null } = {},
): FakeStep {
  return { type: 'tool_calls', calls, ...extra };
}

/** Shorthand: an error answer with the real error body shape. */
export function errorReply(
  status: number,
  extra: Partial<Omit<Extract<FakeStep, { type: 'error' }>, 'type' | 'status'>> = {},
): FakeStep {
  return { type: 'error', status, ...extra };
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeOpenAI(options: { apiKey?: string } = {}): Promise<FakeOpenAIServer> {
  const apiKey = options.apiKey ?? 'sk-fake-test-key';
  const requests: RecordedRequest[] = [];
  const sharedQueue: FakeStep[] = [];
  const modelQueues = new Map<string, FakeStep[]>();
  let responder: FakeResponder = () => textReply('This is the fake model speaking.');
  let requestCounter = 0;
  let completionCounter = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requestCounter += 1;
      response.setHeader('x-request-id', `req_fake_${requestCounter}`);
      response.setHeader('openai-version', '2020-10-01');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: ChatCompletionBody | undefined;
      try {
        body = raw === '' ? undefined : (JSON.parse(raw) as ChatCompletionBody);
      } catch {
        body = undefined;
      }
      const path = (request.url ?? '').split('?')[0] ?? '';
      const outcome = new Promise<'finished' | 'aborted'>((resolve) => {
        response.once('close', () => resolve(response.writableFinished ? 'finished' : 'aborted'));
      });
      const progress = { chunksSent: 0 };
      requests.push({ method: request.method ?? '', path, headers: { ...request.headers }, body, outcome, progress });
      handle(request, response, path, raw, body, progress);
    });
  });

  function handle(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    raw: string,
    body: ChatCompletionBody | undefined,
    progress: { chunksSent: number },
  ): void {
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      sendError(response, 404, { message: `Invalid URL (${request.method} ${path})`, type: 'invalid_request_error' });
      return;
    }
    const authorization = request.headers.authorization ?? '';
    if (authorization !== `Bearer ${apiKey}`) {
      const shown = authorization.replace(/^Bearer\s*/, '');
      sendError(response, 401, {
        message: `Incorrect API key provided: ${shown.slice(0, 3)}***. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      });
      return;
    }
    if (body === undefined) {
      sendError(response, 400, {
        message: raw === '' ? 'you must provide a model parameter' : "We could not parse the JSON body of your request.",
        type: 'invalid_request_error',
      });
      return;
    }
    const problem = validate(body);
    if (problem) {
      sendError(response, 400, { type: 'invalid_request_error', ...problem });
      return;
    }
    const step = modelQueues.get(body.model)?.shift() ?? sharedQueue.shift() ?? responder(body, completionCounter);
    completionCounter += 1;
    const answer = (): void => answerWith(request, response, body, step, progress);
    const delayed = (): void => {
      if (step.delayMs !== undefined && step.delayMs > 0) {
        const timer = setTimeout(answer, step.delayMs);
        response.on('close', () => clearTimeout(timer));
      } else {
        answer();
      }
    };
    if (step.waitFor) void step.waitFor.then(delayed, delayed);
    else delayed();
  }

  function answerWith(
    request: IncomingMessage,
    response: ServerResponse,
    body: ChatCompletionBody,
    step: FakeStep,
    progress: { chunksSent: number },
  ): void {
    if (response.destroyed) return;
    switch (step.type) {
      case 'reset':
        request.socket.destroy();
        return;
      case 'error': {
        for (const [name, value] of Object.entries(step.headers ?? {})) response.setHeader(name, value);
        sendError(response, step.status, {
          message: step.message ?? defaultErrorMessage(step.status),
          type: step.errorType ?? defaultErrorType(step.status),
          code: step.code === undefined ? (step.status === 429 ? 'rate_limit_exceeded' : null) : step.code,
          param: step.param ?? null,
        });
        return;
      }
      case 'text':
      case 'tool_calls': {
        const calls =
          step.type === 'tool_calls'
            ? step.calls.map((call, index) => ({
                id: call.id ?? `call_fake_${completionCounter}_${index}`,
                type: 'function' as const,
                function: {
                  name: call.name,
                  arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
                },
              }))
            : undefined;
        const content = step.type === 'text' ? step.content : (step.content ?? null);
        const finishReason = step.type === 'text' ? (step.finishReason ?? 'stop') : 'tool_calls';
        const usage = step.usage ?? estimateUsage(body, content, calls);
        if (body.stream === true) {
          void streamAnswer(response, body, step, content, calls, finishReason, usage, progress);
        } else {
          sendJson(response, 200, {
            id: `chatcmpl-fake${completionCounter}`,
            object: 'chat.completion',
            created: Math.floor(Date.now() / 1000),
            model: body.model,
            choices: [
              {
                index: 0,
                message: {
                  role: 'assistant',
                  content,
                  refusal: null,
                  annotations: [],
                  ...(calls ? { tool_calls: calls } : {}),
                },
                logprobs: null,
                finish_reason: finishReason,
              },
            ],
            usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
            service_tier: 'default',
            system_fingerprint: 'fp_fake',
          });
        }
        return;
      }
    }
  }

  async function streamAnswer(
    response: ServerResponse,
    body: ChatCompletionBody,
    pacing: StreamPacing,
    content: string | null,
    calls: readonly { id: string; type: 'function'; function: { name: string; arguments: string } }[] | undefined,
    finishReason: string,
    usage: FakeUsage,
    progress: { chunksSent: number },
  ): Promise<void> {
    const includeUsage = body.stream_options?.include_usage === true;
    const base = {
      id: `chatcmpl-fake${completionCounter}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      system_fingerprint: 'fp_fake',
    };
    const frame = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
      `data: ${JSON.stringify({ ...base, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`;
    const delta = (value: Record<string, unknown>, finish: string | null = null): unknown[] => [
      { index: 0, delta: value, logprobs: null, finish_reason: finish },
    ];
    const pieces = pacing.chunks ?? splitInTwo(content ?? '');
    if (pieces.join('') !== (content ?? '')) throw new Error('fake OpenAI: the chunks of a step must join to its content');
    // The frames in order; `isChunk` marks the ones the pacing options count and delay.
    const frames: { text: string; isChunk: boolean }[] = [];
    const contentStart = calls ? { role: 'assistant', content: content === null ? null : '' } : { role: 'assistant', content: '', refusal: null };
    frames.push({ text: frame(delta(contentStart)), isChunk: false });
    if (content !== null && content !== '') {
      for (const piece of pieces) frames.push({ text: frame(delta({ content: piece })), isChunk: true });
    }
    if (calls) {
      calls.forEach((call, index) => {
        const header = { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } };
        frames.push({ text: frame(delta({ tool_calls: [header] })), isChunk: false });
        for (const piece of splitInTwo(call.function.arguments)) {
          frames.push({ text: frame(delta({ tool_calls: [{ index, function: { arguments: piece } }] })), isChunk: false });
        }
      });
    }
    frames.push({ text: frame(delta({}, finishReason)), isChunk: false });
    if (includeUsage) {
      frames.push({
        text: `data: ${JSON.stringify({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`,
        isChunk: false,
      });
    }
    frames.push({ text: 'data: [DONE]\n\n', isChunk: false });

    const gone = new AbortController();
    response.once('close', () => gone.abort());
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    let flushed: Promise<void> = Promise.resolve();
    try {
      for (const [position, { text, isChunk }] of frames.entries()) {
        if (isChunk) {
          if (pacing.breakAfterChunks !== undefined && progress.chunksSent >= pacing.breakAfterChunks) {
            // What was sent reaches the client before the connection drops.
            await flushed;
            response.socket?.destroy();
            return;
          }
          if (pacing.pauseAfterChunks !== undefined && progress.chunksSent === pacing.pauseAfterChunks && pacing.resume) {
            await Promise.race([pacing.resume, new Promise((resolve) => gone.signal.addEventListener('abort', resolve, { once: true }))]);
          }
          if (pacing.chunkDelayMs) await sleep(pacing.chunkDelayMs, undefined, { signal: gone.signal });
        }
        if (response.destroyed) return;
        if (position === frames.length - 1) {
          response.end(text);
          return;
        }
        let isBelowHighWaterMark = true;
        flushed = new Promise((resolve) => {
          isBelowHighWaterMark = response.write(text, () => resolve());
        });
        if (isChunk) progress.chunksSent += 1;
        // Like a real server, the fake waits while the client is not reading.
        if (!isBelowHighWaterMark) await once(response, 'drain', { signal: gone.signal });
      }
    } catch (error) {
      // An abort while waiting means the client went away; nothing left to send.
      if (!gone.signal.aborted) throw error;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    completionBodies(model) {
      return requests
        .filter((entry) => entry.path === '/v1/chat/completions' && entry.body !== undefined)
        .map((entry) => entry.body as ChatCompletionBody)
        .filter((body) => model === undefined || body.model === model);
    },
    enqueue(...steps) {
      sharedQueue.push(...steps);
    },
    enqueueFor(model, ...steps) {
      const queue = modelQueues.get(model) ?? [];
      queue.push(...steps);
      modelQueues.set(model, queue);
    },
    respondWith(next) {
      responder = next;
    },
    reset() {
      requests.length = 0;
      sharedQueue.length = 0;
      modelQueues.clear();
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

function validate(body: ChatCompletionBody): { message: string; param?: string; code?: string } | undefined {
  if (typeof body.model !== 'string' || body.model === '') {
    return { message: 'you must provide a model parameter', param: 'model' };
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", param: 'messages', code: 'empty_array' };
  }
  if (body.stream_options != null && body.stream !== true) {
    return { message: "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: 'stream_options' };
  }
  for (const [index, tool] of (body.tools ?? []).entries()) {
    if (!FUNCTION_NAME.test(tool.function?.name ?? '')) {
      return {
        message: `Invalid 'tools[${index}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        param: `tools[${index}].function.name`,
        code: 'invalid_value',
      };
    }
  }
  for (let index = 0; index < body.messages.length; index += 1) {
    const message = body.messages[index]!;
    if (message.role === 'tool') {
      return {
        message: `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`,
        param: `messages.[${index}].role`,
      };
    }
    if (message.role === 'assistant' && message.tool_calls && message.tool_calls.length > 0) {
      const pending = new Set<string>(message.tool_calls.map((call: { id: string }) => call.id));
      let next = index + 1;
      while (next < body.messages.length && body.messages[next]!.role === 'tool') {
        pending.delete(body.messages[next]!.tool_call_id ?? '');
        next += 1;
      }
      if (pending.size > 0) {
        return {
          message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
          param: 'messages',
          code: 'invalid_value',
        };
      }
      index = next - 1;
    }
  }
  return undefined;
}

function estimateUsage(
  body: ChatCompletionBody,
  content: string | null,
  calls: readonly { function: { arguments: string } }[] | undefined,
): FakeUsage {
  const promptChars = JSON.stringify(body.messages).length + (body.tools ? JSON.stringify(body.tools).length : 0);
  const completionChars = (content ?? '').length + (calls ?? []).reduce((sum, call) => sum + call.function.arguments.length, 0);
  return { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.max(1, Math.ceil(completionChars / 4)) };
}

function splitInTwo(text: string): string[] {
  if (text.length < 2) return [text];
  const middle = Math.floor(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(
  response: ServerResponse,
  status: number,
  error: { message: string; type: string; param?: string | null; code?: string | null },
): void {
  sendJson(response, status, {
    error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null },
  });
}

function defaultErrorMessage(status: number): string {
  if (status === 429) {
    return 'Rate limit reached for fake-model in organization org-fake on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20ms.';
  }
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  return 'Invalid request.';
}

function defaultErrorType(status: number): string {
  if (status === 429) return 'requests';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
