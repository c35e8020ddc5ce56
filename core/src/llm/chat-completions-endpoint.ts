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
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    authorization: `Bearer ${client.apiKey}`,
    'user-agent': 'acai',
    ...(client.organization ? { 'openai-organization': client.organization } : {}),
    ...(client.project ? { 'openai-project': client.project } : {}),
  };

  async function create(body: CompletionParams, options: { readonly signal: AbortSignal }): Promise<unknown> {
    if (body.stream !== true) return createWhole(body, options.signal);
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
    return response.json();
  }

  async function statusError(response: Response): Promise<Error> {
    const text = await response.text().catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    const json = parseJson(text);
    return APIError.generate(response.status, json, json === undefined ? text : undefined, response.headers);
  }

  return { create } as ChatCompletionsEndpoint;
}

// The tool definitions are most of a request body (6.5 of 10 KB in bench:capacity) and the same array
// is offered on every call until the plugin set changes, so its JSON is made once per array. The
// messages repeat too: a turn's second call resends the first call's messages (the same objects, see
// toWireRequest) plus the tool round, so each message's JSON is made once per message object. Both
// rely on what is sent never being changed afterwards (wire messages and tool arrays are built fresh
// and never mutated).
const toolsJson = new WeakMap<object, string>();
const messageJson = new WeakMap<object, string>();

/** The request body as JSON, with the JSON of tool definitions and messages reused from earlier calls. */
export function serializeBody(body: CompletionParams): string {
  const { tools, messages, ...rest } = body;
  let serialized = JSON.stringify(rest);
  if (messages !== undefined) serialized = withMember(serialized, 'messages', `[${messages.map(jsonOfMessage).join(',')}]`);
  if (tools !== undefined) {
    let toolsSerialized = toolsJson.get(tools);
    if (toolsSerialized === undefined) {
      toolsSerialized = JSON.stringify(tools);
      toolsJson.set(tools, toolsSerialized);
    }
    serialized = withMember(serialized, 'tools', toolsSerialized);
  }
  return serialized;
}

function jsonOfMessage(message: object): string {
  let json = messageJson.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    messageJson.set(message, json);
  }
  return json;
}

/** `object` (a JSON object's text) with one more member at its end. */
function withMember(object: string, name: string, json: string): string {
  return object === '{}' ? `{"${name}":${json}}` : `${object.slice(0, -1)},"${name}":${json}}`;
}

function parseJson(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
