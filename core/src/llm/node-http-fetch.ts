import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

// Why this exists: the `openai` client accepts any `fetch`, and Node's built-in one (undici behind the
// WHATWG fetch and streams machinery) was the largest single cost of a chat turn in bench:capacity —
// Request/Response objects, header lists, web streams, transferable AbortSignals for every model call.
// This fetch speaks HTTP/1.1 through node:http keep-alive agents and hands the client a small response:
// JSON answers are read whole before the promise resolves (so the client's timeout also bounds the
// body), event streams are passed on as the socket's async-iterable body, which the client's SSE
// reader consumes directly. Anything it does not handle (non-text request bodies) goes to the
// built-in fetch.

/** Tunables of {@link createNodeHttpFetch}. */
export interface NodeHttpFetchOptions {
  /** Connections per model host (default 256): beyond it requests wait for a free socket. */
  readonly maxSocketsPerHost?: number;
  /** Idle keep-alive sockets kept per host (default 64). */
  readonly maxFreeSockets?: number;
  /** Largest non-streamed answer read into memory (default 64 MiB); a larger one fails the request. */
  readonly maxResponseBytes?: number;
  /** The fetch used for what this one does not handle (default: the built-in one). */
  readonly fallback?: typeof fetch;
}

/** Thrown (as the fetch rejection) when a buffered answer exceeds `maxResponseBytes`. */
export class ResponseTooLargeError extends Error {
  constructor(limit: number) {
    super(`the model endpoint's answer exceeded ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** The read-only part of `Headers` the `openai` client and our retry policy use, over Node's header object. */
export class ResponseHeaders {
  readonly #raw: IncomingHttpHeaders;

  constructor(raw: IncomingHttpHeaders) {
    this.#raw = raw;
  }

  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.#raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.#raw).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: string, name: string, headers: ResponseHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A response the `openai` client can read: status, headers, and the body as text, JSON or a byte stream. */
class NodeHttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: ResponseHeaders;
  readonly redirected = false;
  readonly type = 'basic';
  readonly #text: string | undefined;
  #stream: AsyncIterable<Uint8Array> | null | undefined;
  bodyUsed = false;

  constructor(url: string, message: IncomingMessage, body: { readonly text: string } | { readonly stream: Readable }) {
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    this.url = url;
    this.headers = new ResponseHeaders(message.headers);
    this.#text = 'text' in body ? body.text : undefined;
    this.#stream = 'stream' in body ? body.stream : undefined;
  }

  /** A streamed body (event streams); null once read or when the body was buffered and empty. */
  get body(): AsyncIterable<Uint8Array> | null {
    // A buffered body is still offered as a stream, as fetch does (a server that answers a streaming
    // request with plain JSON must reach the SSE reader, which then finds no events). Made on first
    // use: JSON answers are read with json(), and copying every one into bytes cost CPU for nothing.
    if (this.#stream === undefined) this.#stream = this.#text ? bytesOnce(Buffer.from(this.#text, 'utf8')) : null;
    return this.#stream;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    if (this.#text !== undefined) return this.#text;
    const body = this.body;
    if (body === null) return '';
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }

  // A buffered body is parsed at once: json() is on every non-streamed model call, and going through
  // text() cost two async functions more.
  json(): Promise<unknown> {
    if (this.#text === undefined) return this.text().then((text) => JSON.parse(text) as unknown);
    this.bodyUsed = true;
    try {
      return Promise.resolve(JSON.parse(this.#text) as unknown);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

const EVENT_STREAM = 'text/event-stream';

async function* bytesOnce(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * A `fetch` for the `openai` client over node:http(s) keep-alive agents (one pool per protocol).
 * Aborting the request's signal destroys the request, whether it is still waiting for headers,
 * reading a JSON body or streaming.
 *
 * @example
 * const client = new OpenAI({ apiKey, fetch: createNodeHttpFetch() });
 */
export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): typeof fetch {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSocketsPerHost ?? 256, maxFreeSockets: options.maxFreeSockets ?? 64, scheduling: 'lifo' as const };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const fallback = options.fallback ?? globalThis.fetch;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;

  const nodeFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body ?? undefined;
    if (typeof input === 'object' && !(input instanceof URL)) return fallback(input, init);
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) return fallback(input, init);
    const { url, target } = parsedTarget(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fallback(input, init);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError(signal));

    return new Promise<Response>((resolve, reject) => {
      const headers = outgoingHeaders(init.headers);
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send({ ...target, method: init.method ?? 'GET', headers, agent: url.protocol === 'https:' ? httpsAgent : httpAgent });
      // Once an event stream is being read, its reader must see the abort's reason (an attempt timeout, the
      // caller leaving), not the bare 'aborted' the closing socket would give it: the reason is what says why.
      let streamedBody: Readable | undefined;
      const onAbort = (): void => {
        const reason = abortError(signal!);
        streamedBody?.destroy(reason);
        outgoing.destroy(reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // The listener stays while a streamed body is read, and goes once the exchange is over.
      const settle = (): void => signal?.removeEventListener('abort', onAbort);
      outgoing.on('error', (error) => {
        settle();
        reject(signal?.aborted ? abortError(signal) : error);
      });
      outgoing.on('response', (message) => {
        message.once('close', settle);
        const href = url.href;
        const stream = decodedBody(message);
        if (String(message.headers['content-type'] ?? '').toLowerCase().startsWith(EVENT_STREAM)) {
          // The reader sees a failure through its iterator; until it starts, an abort must not be an
          // unhandled 'error' event.
          stream.on('error', () => {});
          streamedBody = stream;
          resolve(asFetchResponse(new NodeHttpResponse(href, message, { stream })));
          return;
        }
        readWhole(message, stream, maxResponseBytes).then(
          (text) => resolve(asFetchResponse(new NodeHttpResponse(href, message, { text }))),
          (error: unknown) => {
            settle();
            outgoing.destroy();
            reject(signal?.aborted ? abortError(signal) : error);
          },
        );
      });
      outgoing.end(body);
    });
  };
  return nodeFetch as typeof fetch;
}

// The host calls one or two endpoint URLs all the time: parsing each string into a URL and then into
// request options per call showed in bench:capacity, so both are kept per URL string (a few entries).
const MAX_PARSED_URLS = 64;
const parsedUrls = new Map<string, { readonly url: URL; readonly target: RequestOptions }>();

/** The URL and its node:http request options (protocol, host, port, path, auth), parsed once per string. */
function parsedTarget(input: string | URL): { readonly url: URL; readonly target: RequestOptions } {
  if (typeof input !== 'string') return { url: input, target: urlToHttpOptions(input) };
  let parsed = parsedUrls.get(input);
  if (parsed === undefined) {
    const url = new URL(input);
    parsed = { url, target: urlToHttpOptions(url) };
    if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
    parsedUrls.set(input, parsed);
  }
  return parsed;
}

/** The whole (decoded) body as text; fails past `limit` bytes or when the connection ends it early. */
function readWhole(message: IncomingMessage, stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) reject(new ResponseTooLargeError(limit));
      else chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
    message.on('close', () => {
      if (!message.complete) reject(new Error('the connection closed before the answer was complete'));
    });
  });
}

// The one place the small response stands in for a WHATWG Response: the client reads status, ok, url,
// headers (get, entries), text(), json() and, for event streams, iterates `body`; nothing else.
function asFetchResponse(response: NodeHttpResponse): Response {
  return response as unknown as Response;
}

// The chat completions endpoint passes the same frozen header object on every call: its lower-cased
// form is kept per object (and copied per request, which adds content-length) instead of rebuilt.
// Only frozen objects: a caller could change an unfrozen one between requests.
const frozenHeaders = new WeakMap<object, OutgoingHttpHeaders>();

/** Request headers as node:http takes them, from whatever `HeadersInit` the client passed. */
function outgoingHeaders(init: RequestInit['headers']): OutgoingHttpHeaders {
  if (init === undefined) return {};
  if (init instanceof Headers || Array.isArray(init) || !Object.isFrozen(init)) return convertedHeaders(init);
  let converted = frozenHeaders.get(init);
  if (converted === undefined) {
    converted = convertedHeaders(init);
    frozenHeaders.set(init, converted);
  }
  return { ...converted };
}

function convertedHeaders(init: NonNullable<RequestInit['headers']>): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      headers[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init) if (name !== undefined && value !== undefined) headers[name.toLowerCase()] = value;
  } else {
    for (const [name, value] of Object.entries(init as Record<string, string>)) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** What fetch rejects with when its signal aborts: the signal's reason, else an `AbortError`. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

/** The body with any content coding the server applied undone (we ask for none, but some servers send it anyway). */
function decodedBody(message: IncomingMessage): Readable {
  const coding = String(message.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : undefined;
  if (decoder === undefined) return message;
  message.on('error', (error) => decoder.destroy(error));
  return message.pipe(decoder);
}
