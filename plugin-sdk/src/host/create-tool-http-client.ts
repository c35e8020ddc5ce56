import type { HttpRequestOptions, HttpResponse, ToolHttpClient } from '../context.js';
import { ToolError } from '../tool-error.js';

/** Options for {@link createToolHttpClient}. */
export interface ToolHttpClientOptions {
  /** Hosts the plugin may reach: `example.com`, `example.com:8443` or `*.example.com`. */
  readonly allowedHosts: readonly string[];
  /** The fetch implementation (default: the global fetch). */
  readonly fetch?: typeof fetch;
  /** The call's (or setup's) abort signal; every request is cancelled when it fires. */
  readonly signal?: AbortSignal;
  /** Timeout of one request unless the request sets its own (default 10 s). */
  readonly defaultTimeoutMs?: number;
  /** Largest accepted response body unless the request sets its own (default 2 MiB). */
  readonly maxResponseBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/**
 * The HTTP client tools get: refuses undeclared hosts (FORBIDDEN), enforces a timeout (TIMEOUT) and the
 * call's abort signal, caps the body size (UPSTREAM_FAILED) and maps network errors to UPSTREAM_UNAVAILABLE.
 * Non-2xx responses are returned, not thrown: the tool decides what a 404 means.
 */
export function createToolHttpClient(options: ToolHttpClientOptions): ToolHttpClient {
  const isAllowed = createHostMatcher(options.allowedHosts);
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  return {
    async fetch(input: string | URL, requestOptions: HttpRequestOptions = {}): Promise<HttpResponse> {
      let url: URL;
      try {
        url = new URL(input);
      } catch (error) {
        throw new ToolError('INTERNAL', `Invalid URL ${JSON.stringify(String(input))}`, { cause: error });
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ToolError('FORBIDDEN', `Only http and https URLs are allowed (got ${url.protocol})`);
      }
      if (!isAllowed(url)) {
        throw new ToolError('FORBIDDEN', `Host ${url.host} is not declared by this plugin (allowed: ${options.allowedHosts.join(', ') || 'none'}). Add it to acai.network.hosts in the plugin's package.json.`);
      }
      if (options.signal?.aborted) throw new ToolError('TIMEOUT', `Request to ${url.host} not sent: the call was cancelled`);
      const timeoutMs = requestOptions.timeoutMs ?? options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
      const maxBytes = requestOptions.maxResponseBytes ?? options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const controller = new AbortController();
      let isTimedOut = false;
      const timer = setTimeout(() => {
        isTimedOut = true;
        controller.abort();
      }, timeoutMs);
      const onCallAbort = (): void => controller.abort();
      options.signal?.addEventListener('abort', onCallAbort, { once: true });
      const describeAbort = (): ToolError =>
        isTimedOut
          ? new ToolError('TIMEOUT', `${url.host} did not answer within ${timeoutMs} ms`)
          : new ToolError('TIMEOUT', `Request to ${url.host} cancelled: the call was cancelled or timed out`);
      try {
        const init: RequestInit = { method: requestOptions.method ?? 'GET', signal: controller.signal, redirect: 'manual' };
        if (requestOptions.headers !== undefined) init.headers = requestOptions.headers;
        if (requestOptions.body !== undefined) init.body = requestOptions.body;
        let response: Response;
        try {
          response = await fetchImplementation(url, init);
        } catch (error) {
          if (controller.signal.aborted) throw describeAbort();
          throw new ToolError('UPSTREAM_UNAVAILABLE', `${url.host} is unreachable: ${describeNetworkError(error)}`, { cause: error });
        }
        const body = await readBody(response, maxBytes, url, controller.signal, describeAbort);
        return toHttpResponse(response, url, body);
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onCallAbort);
      }
    },
  };
}

/** Builds a predicate for the allowed-host list (exact host, host:port, or `*.suffix`). */
export function createHostMatcher(allowedHosts: readonly string[]): (url: URL) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of allowedHosts) {
    const host = entry.toLowerCase();
    if (host.startsWith('*.')) suffixes.push(host.slice(1));
    else exact.add(host);
  }
  return (url) => {
    const hostname = url.hostname.toLowerCase();
    if (exact.has(hostname) || exact.has(url.host.toLowerCase())) return true;
    return suffixes.some((suffix) => hostname.endsWith(suffix));
  };
}

async function readBody(
  response: Response,
  maxBytes: number,
  url: URL,
  signal: AbortSignal,
  describeAbort: () => ToolError,
): Promise<Buffer> {
  const declaredLength = Number(response.headers.get('content-length'));
  if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(url, maxBytes);
  }
  if (response.body === null) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(url, maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (ToolError.isInstance(error)) throw error;
    if (signal.aborted) throw describeAbort();
    throw new ToolError('UPSTREAM_UNAVAILABLE', `${url.host} broke off the response: ${describeNetworkError(error)}`, { cause: error });
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(url: URL, maxBytes: number): ToolError {
  return new ToolError('UPSTREAM_FAILED', `The response from ${url.host} is larger than ${maxBytes} bytes`);
}

function toHttpResponse(response: Response, url: URL, body: Buffer): HttpResponse {
  let text: string | undefined;
  const readText = (): string => (text ??= body.toString('utf8'));
  return {
    status: response.status,
    ok: response.ok,
    url: response.url || url.href,
    headers: response.headers,
    text: readText,
    json<T>(): T {
      try {
        return JSON.parse(readText()) as T;
      } catch (error) {
        throw new ToolError('UPSTREAM_FAILED', `${url.host} answered HTTP ${response.status} with a body that is not JSON`, { cause: error });
      }
    },
  };
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
