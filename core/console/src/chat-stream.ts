// The host's own SSE reader (also used by the CLI's client): DOM-free, bounded, split-safe.
import { readServerSentEvents } from '../../src/client/read-server-sent-events.js';
import { authorizationHeaders, CHAT_SERVICE, errorFromResponse, HostApiError, isAbort, send, type HostConnection } from './host-api.js';
import type { TokenUsage, ToolCall, ToolImage, TwirpErrorBody } from './wire-types.js';

/** Where the streaming RPC lives (POST, SSE answer). */
export const CHAT_STREAM_PATH = `/twirp/${CHAT_SERVICE}/ContinueChatStream`;

/**
 * What to send: no conversation id starts a new conversation. With `regenerateMessageId` (the
 * conversation's last reply) and no message, the host answers the last question again and the new
 * reply replaces that one.
 */
export type ChatStreamRequest =
  | { readonly conversationId?: string; readonly message: string }
  | { readonly conversationId: string; readonly regenerateMessageId: string };

/** A tool call as `tool_call_started` announces it. */
export interface StartedToolCall {
  readonly id: string;
  readonly name: string;
  readonly plugin: string;
  readonly plugin_version: string;
  readonly arguments: string;
}

/** A tool call as `tool_call_finished` reports it. */
export interface FinishedToolCall extends StartedToolCall {
  readonly outcome: string;
  readonly result: string;
  readonly duration_ms: number;
  /** The tool's structured result as JSON text, when it had one. */
  readonly data?: string;
  /** Images the tool returned for the user. */
  readonly images?: ToolImage[];
}

/** The terminal `message` event: the stored reply. */
export interface FinalMessage {
  readonly conversation_id: string;
  readonly message_id: string;
  readonly reply: string;
  /** Only for a new conversation. */
  readonly title?: string;
  readonly tool_calls: readonly ToolCall[];
  /** What the model reported it used for this reply. */
  readonly usage?: TokenUsage;
}

/** The events of ContinueChatStream, in the order the host sends them. */
export type ChatStreamEvent =
  | { readonly type: 'conversation'; readonly conversationId: string; readonly isNew: boolean }
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'tool_call_started'; readonly call: StartedToolCall }
  | { readonly type: 'tool_call_finished'; readonly call: FinishedToolCall }
  | { readonly type: 'message'; readonly message: FinalMessage }
  | { readonly type: 'error'; readonly error: TwirpErrorBody };

/**
 * Sends one chat turn to ContinueChatStream and yields its events as they arrive. The request is a
 * `fetch` POST (an EventSource could not send the Authorization header) read as a byte stream through
 * the host's SSE reader. Failures known before the stream starts arrive as an ordinary Twirp JSON error and
 * are thrown as a HostApiError; failures during the turn are the terminal `error` event. Aborting
 * `signal` cancels the request, which makes the host cancel the turn (nothing of it is stored); the
 * generator then rejects with the AbortError. Breaking out of the loop cancels the request too.
 */
export async function* streamChat(connection: HostConnection, request: ChatStreamRequest, signal?: AbortSignal): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const response = await send(connection, CHAT_STREAM_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorizationHeaders(connection) },
    body: JSON.stringify(requestBody(request)),
    ...(signal === undefined ? {} : { signal }),
  });
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok || !contentType.startsWith('text/event-stream')) {
    if (!response.ok) throw await errorFromResponse(response);
    await response.body?.cancel().catch(() => undefined);
    throw new HostApiError('internal', `the host answered with ${contentType || 'no content type'} instead of an event stream`, { status: response.status });
  }
  if (response.body === null) throw new HostApiError('internal', 'the host sent an empty event stream', { status: response.status });

  let isFinished = false;
  try {
    for await (const sent of readServerSentEvents(chunksOf(response.body))) {
      const event = decodeChatStreamEvent(sent.event, sent.data);
      if (event === undefined) continue;
      yield event;
      if (event.type === 'message' || event.type === 'error') {
        isFinished = true;
        break;
      }
    }
  } catch (error) {
    if (isAbort(error) || error instanceof HostApiError) throw error;
    // The reader refused the stream (an event over its size bound); its message names the limit.
    throw new HostApiError('internal', `the host's event stream could not be read (${(error as Error).message})`, { cause: error });
  }
  if (!isFinished) throw new HostApiError('unavailable', 'the connection closed before the reply was complete');
}

function requestBody(request: ChatStreamRequest): Record<string, string> {
  if ('regenerateMessageId' in request) return { conversation_id: request.conversationId, regenerate_message_id: request.regenerateMessageId };
  return { message: request.message, ...(request.conversationId ? { conversation_id: request.conversationId } : {}) };
}

/**
 * The body's chunks; leaving early (the turn finished, the consumer stopped, anything threw) cancels
 * the download, which is how the host learns that the client went away.
 */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (isAbort(error)) throw error;
        throw new HostApiError('unavailable', 'the connection to the host broke during the reply', { cause: error });
      }
      if (chunk.done) return;
      yield chunk.value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * One SSE event → a typed chat event. Unknown event names are skipped (the contract may grow); a
 * known event with a malformed payload is a protocol error.
 */
export function decodeChatStreamEvent(name: string, data: string): ChatStreamEvent | undefined {
  if (!KNOWN_EVENTS.has(name)) return undefined;
  let payload: Record<string, unknown>;
  try {
    const parsed = JSON.parse(data) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
    payload = parsed as Record<string, unknown>;
  } catch (error) {
    throw new HostApiError('internal', `the host sent a malformed "${name}" event`, { cause: error });
  }
  switch (name) {
    case 'conversation':
      return { type: 'conversation', conversationId: text(payload.conversation_id), isNew: payload.is_new === true };
    case 'delta':
      return { type: 'delta', text: text(payload.text) };
    case 'tool_call_started':
      return { type: 'tool_call_started', call: startedCall(payload) };
    case 'tool_call_finished':
      return {
        type: 'tool_call_finished',
        call: {
          ...startedCall(payload),
          outcome: text(payload.outcome),
          result: text(payload.result),
          duration_ms: number(payload.duration_ms),
          ...(typeof payload.data === 'string' ? { data: payload.data } : {}),
          ...(Array.isArray(payload.images) ? { images: payload.images.filter(isObject) as ToolImage[] } : {}),
        },
      };
    case 'message':
      return {
        type: 'message',
        message: {
          conversation_id: text(payload.conversation_id),
          message_id: text(payload.message_id),
          reply: text(payload.reply),
          ...(typeof payload.title === 'string' ? { title: payload.title } : {}),
          tool_calls: Array.isArray(payload.tool_calls) ? (payload.tool_calls.filter(isObject) as ToolCall[]) : [],
          ...(isObject(payload.usage) ? { usage: payload.usage as TokenUsage } : {}),
        },
      };
    default: {
      const meta: Record<string, string> = {};
      if (typeof payload.meta === 'object' && payload.meta !== null) {
        for (const [key, value] of Object.entries(payload.meta)) if (typeof value === 'string') meta[key] = value;
      }
      return { type: 'error', error: { code: text(payload.code) || 'unknown', msg: text(payload.msg), meta } };
    }
  }
}

const KNOWN_EVENTS = new Set(['conversation', 'delta', 'tool_call_started', 'tool_call_finished', 'message', 'error']);

function startedCall(payload: Record<string, unknown>): StartedToolCall {
  return { id: text(payload.id), name: text(payload.name), plugin: text(payload.plugin), plugin_version: text(payload.plugin_version), arguments: text(payload.arguments) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function number(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
