import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { Stream } from 'openai/streaming';

// Why: with the transport under it made light (node-http-fetch.ts), the `openai` client's own request
// path was still ~150 µs of host CPU per model call in bench:capacity (two per turn): a Headers object
// built and sorted several times, request details formatted for a debug log that is off, an extra
// AbortController and timer per request, several awaits per step. This sends the same request — the
// client's resolved base URL, key, organization and project; a JSON body; our transport — and keeps
// the rest of the package: its types, its error classes (APIError.generate maps statuses exactly as the
// client does) and its SSE reader for streams. Retries and timeouts stay with the model client.

type CompletionParams = OpenAI.Chat.Completions.ChatCompletionCreateParams;
type StreamingParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming;
type NonStreamingParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/** `POST /chat/completions` with the shape of `client.chat.completions.create` for the calls the host makes. */
export interface ChatCompletionsEndpoint {
  create(body: NonStreamingParams, options: { readonly signal: AbortSignal }): Promise<OpenAI.Chat.Completions.ChatCompletion>;
  create(body: StreamingParams, options: { readonly signal: AbortSignal }): Promise<Stream<OpenAI.Chat.Completions.ChatCompletionChunk>>;
}

/** The endpoint of `client`'s API, sent with `fetch` (the transport the client was built with). */
export function createChatCompletionsEndpoint(client: OpenAI, fetch: typeof globalThis.fetch): ChatCompletionsEndpoint {
  const url = `${client.baseURL.replace(/\/+$/, '')}/chat/completions`;
  // Frozen: the transport then converts it for node:http once, not per call (node-http-fetch.ts).
  const headers: Readonly<Record<string, string>> = Object.freeze({
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${client.apiKey}`,
    'user-agent': 'acai',
    ...(client.organization ? { 'openai-organization': client.organization } : {}),
    ...(client.project ? { 'openai-project': client.project } : {}),
  });

  // Not `async`: returning createWhole's promise from an async function would cost a promise and two
  // more microtask hops on every non-streamed model call.
  function create(body: CompletionParams, options: { readonly signal: AbortSignal }): Promise<unknown> {
    return body.stream === true ? createStream(body, options) : createWhole(body, options.signal);
  }

  async function createStream(body: StreamingParams, options: { readonly signal: AbortSignal }): Promise<unknown> {
    // The stream's reader aborts this controller when iteration stops early; it also follows the caller.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal.reason);
    if (options.signal.aborted) throw new APIUserAbortError();
    options.signal.addEventListener('abort', onAbort, { once: true });
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: serializeBody(body), signal: controller.signal });
    } catch (error) {
      options.signal.removeEventListener('abort', onAbort);
      if (options.signal.aborted) throw new APIUserAbortError();
      throw new APIConnectionError({ cause: error instanceof Error ? error : new Error(String(error)) });
    }
    if (!response.ok) {
      options.signal.removeEventListener('abort', onAbort);
      throw await statusError(response);
    }
    // The listener stays for the stream's lifetime: the caller's abort must end the body read too.
    return Stream.fromSSEResponse(response, controller, client);
  }

  // A whole answer needs no controller of its own: the transport reads the body before it resolves,
  // under the caller's signal, so the caller's abort reaches every step directly.
  async function createWhole(body: NonStreamingParams, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) throw new APIUserAbortError();
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: serializeBody(body), signal });
    } catch (error) {
      if (signal.aborted) throw new APIUserAbortError();
      throw new APIConnectionError({ cause: error instanceof Error ? error : new Error(String(error)) });
    }
    if (!response.ok) throw await statusError(response);
    // Awaited rather than returned: an async function adopting a returned promise takes two more hops.
    return await response.json();
  }

  async function statusError(response: Response): Promise<Error> {
    const text = await response.text().catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    const json = parseJson(text);
    return APIError.generate(response.status, json, json === undefined ? text : undefined, response.headers);
  }

  return { create } as ChatCompletionsEndpoint;
}

// The tool definitions are most of a request body (6.5 of 10 KB in bench:capacity) and the same array
// is offered on every call until the plugin set changes, so its JSON is made once per array.
const toolsJson = new WeakMap<object, string>();

/** The request body as JSON, with the tool definitions' JSON reused from earlier calls. */
export function serializeBody(body: CompletionParams): string {
  const { tools, ...rest } = body;
  if (tools === undefined) return JSON.stringify(body);
  let serialized = toolsJson.get(tools);
  if (serialized === undefined) {
    serialized = JSON.stringify(tools);
    toolsJson.set(tools, serialized);
  }
  const head = JSON.stringify(rest);
  return head === '{}' ? `{"tools":${serialized}}` : `${head.slice(0, -1)},"tools":${serialized}}`;
}

function parseJson(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
