// Driving ContinueChatStream in tests: through fetch (events parsed with the client's own SSE reader),
// or over a raw TCP socket the test can stop reading from or cut at any moment.
import { connect, type Socket } from 'node:net';
import { readServerSentEvents } from '../../core/src/client/read-server-sent-events.js';
import type { ChatStreamEvent } from '../../core/src/client/index.js';
import { WAIT_TIMEOUT_MS } from '../support/timing.js';

export const STREAM_PATH = '/twirp/acai.chat.ChatService/ContinueChatStream';

/** A finished exchange: the SSE events, or the JSON error body when the host answered before streaming. */
export interface StreamExchange {
  readonly status: number;
  readonly headers: Headers;
  readonly events: ChatStreamEvent[];
  /** The Twirp error of a non-stream answer (undefined for streams). */
  readonly error: { code: string; msg: string; meta?: Record<string, string> } | undefined;
}

/** POSTs to ContinueChatStream and reads the whole answer. */
export async function streamChat(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<StreamExchange> {
  const response = await fetch(`${url}${STREAM_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await response.text();
    return { status: response.status, headers: response.headers, events: [], error: text === '' ? undefined : JSON.parse(text) };
  }
  const events: ChatStreamEvent[] = [];
  for await (const event of readServerSentEvents(response.body!)) {
    events.push({ event: event.event, data: JSON.parse(event.data) } as ChatStreamEvent);
  }
  return { status: response.status, headers: response.headers, events, error: undefined };
}

/** The data of every event with this name. */
export function eventsNamed<Name extends ChatStreamEvent['event']>(exchange: { events: ChatStreamEvent[] }, name: Name) {
  return exchange.events.filter((event) => event.event === name).map((event) => event.data as Extract<ChatStreamEvent, { event: Name }>['data']);
}

/** A stream over a raw socket: the test sees the bytes as they come and decides when to stop. */
export interface RawStream {
  readonly socket: Socket;
  /** Everything received so far (status line, headers, chunked body framing included). */
  received(): string;
  /** Resolves once the received text contains `marker`. */
  waitFor(marker: string, timeoutMs?: number): Promise<void>;
  /** Stops reading; the kernel buffers fill and the sender has to wait. */
  stopReading(): void;
  /** Cuts the connection without a goodbye. */
  cut(): void;
}

/** Sends a ContinueChatStream request by hand on a fresh TCP connection. */
export async function openRawStream(url: string, body: unknown, apiKey?: string): Promise<RawStream> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const payload = JSON.stringify(body);
  socket.write(
    [
      `POST ${STREAM_PATH} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Content-Type: application/json',
      'Accept: text/event-stream',
      ...(apiKey ? [`Authorization: Bearer ${apiKey}`] : []),
      `Content-Length: ${Buffer.byteLength(payload)}`,
      '',
      payload,
    ].join('\r\n'),
  );
  let text = '';
  const waiters = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const check of waiters) check();
  });
  socket.on('error', () => {});
  return {
    socket,
    received: () => text,
    waitFor(marker, timeoutMs = WAIT_TIMEOUT_MS) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`"${marker}" did not arrive within ${timeoutMs} ms; got: ${text.slice(0, 500)}`));
        }, timeoutMs);
        const check = (): void => {
          if (!text.includes(marker)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    stopReading: () => socket.pause(),
    cut: () => socket.destroy(),
  };
}
