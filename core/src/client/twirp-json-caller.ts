import { TWIRP_ERROR_CODES, TwirpClientError, type TwirpErrorCode } from './twirp-client-error.js';

/** Options shared by the Twirp clients. */
export interface TwirpClientOptions {
  /** Base URL of the host, e.g. `http://127.0.0.1:8080` (a trailing slash is tolerated). */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Per-call deadline (default 120 s: a chat turn may run several tools). */
  timeoutMs?: number;
  /** Path prefix of the Twirp routes (default `/twirp`). */
  prefix?: string;
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
}

/** Per-call options. */
export interface TwirpCallOptions {
  signal?: AbortSignal;
}

/** Calls `method` of `service` with a JSON request and returns the parsed JSON response. */
export type TwirpJsonCall = <Response>(service: string, method: string, request: object, options?: TwirpCallOptions) => Promise<Response>;

// The Go client's table for responses that are not Twirp errors (docs/errors.md).
function codeFromHttpStatus(status: number): TwirpErrorCode {
  if (status >= 300 && status < 400) return 'internal';
  switch (status) {
    case 400:
      return 'internal';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'bad_route';
    case 429:
      return 'resource_exhausted';
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return 'unknown';
  }
}

function parseTwirpError(body: string): { code: TwirpErrorCode; msg: string; meta: Record<string, string> } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (typeof record.code !== 'string' || !TWIRP_ERROR_CODES.has(record.code) || typeof record.msg !== 'string') {
    return undefined;
  }
  const meta: Record<string, string> = {};
  if (typeof record.meta === 'object' && record.meta !== null) {
    for (const [key, value] of Object.entries(record.meta as Record<string, unknown>)) {
      if (typeof value === 'string') meta[key] = value;
    }
  }
  return { code: record.code as TwirpErrorCode, msg: record.msg, meta };
}

function describeTransportFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** One POST in flight: the response, and how failures while its body is read are reported. */
export interface TwirpExchange {
  readonly response: globalThis.Response;
  /** A failure while reading the body (cancel, timeout, reset) as the client error the call reports. */
  failure(error: unknown): TwirpClientError;
  /** Ends the exchange early: the connection is closed, so the host sees the client leave. */
  cancel(): void;
  /** Reads the whole body of a 200 answer; any other answer is thrown as the Twirp error it stands for. */
  successBody(): Promise<string>;
}

/** Posts a JSON request to `method` of `service`, asking for `accept`. */
export type TwirpPost = (service: string, method: string, request: object, options: TwirpCallOptions, accept: string) => Promise<TwirpExchange>;

/**
 * The HTTP side every Twirp client shares: POST `<url><prefix>/<service>/<method>`, bearer key, a
 * per-call deadline, no redirects followed, and failures as TwirpClientError (`canceled`,
 * `deadline_exceeded`, or a transport failure naming the host).
 */
export function createTwirpPost(options: TwirpClientOptions): TwirpPost {
  const baseUrl = options.url.replace(/\/+$/, '');
  const prefix = options.prefix ?? '/twirp';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const doFetch = options.fetch ?? fetch;

  return async (service, method, request, callOptions, accept) => {
    const controller = new AbortController();
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([controller.signal, timeoutSignal, ...(callOptions.signal ? [callOptions.signal] : [])]);
    const failure = (error: unknown): TwirpClientError => {
      if (TwirpClientError.isInstance(error)) return error;
      if (callOptions.signal?.aborted || controller.signal.aborted) {
        return new TwirpClientError('canceled', `${method} was cancelled`, { cause: error });
      }
      if (timeoutSignal.aborted) {
        return new TwirpClientError('deadline_exceeded', `${method} got no answer within ${timeoutMs} ms`, { cause: error });
      }
      return new TwirpClientError('internal', `cannot reach ${baseUrl}: ${describeTransportFailure(error)}`, {
        isTransportFailure: true,
        cause: error,
      });
    };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    try {
      const response = await doFetch(`${baseUrl}${prefix}/${service}/${method}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        signal,
        redirect: 'manual',
      });
      const successBody = async (): Promise<string> => {
        let body: string;
        try {
          body = await response.text();
        } catch (error) {
          throw failure(error);
        }
        if (response.status !== 200) throw twirpErrorFromResponse(response, body);
        return body;
      };
      return { response, failure, cancel: () => controller.abort(), successBody };
    } catch (error) {
      throw failure(error);
    }
  };
}

/**
 * The error a non-success answer stands for: the Twirp error in its body, or (from a proxy, not the
 * host) the Go client's mapping of the HTTP status, with `http_error_from_intermediary` meta.
 */
function twirpErrorFromResponse(response: globalThis.Response, body: string): TwirpClientError {
  const twirpError = parseTwirpError(body);
  if (twirpError) {
    return new TwirpClientError(twirpError.code, twirpError.msg, { meta: twirpError.meta, httpStatus: response.status });
  }
  const meta: Record<string, string> = {
    http_error_from_intermediary: 'true',
    status_code: String(response.status),
    body,
  };
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) meta.location = location;
  return new TwirpClientError(codeFromHttpStatus(response.status), `non-Twirp HTTP ${response.status} response from an intermediary`, {
    meta,
    httpStatus: response.status,
  });
}

/**
 * The Twirp JSON transport every client shares: POST `<url><prefix>/<service>/<method>`, bearer key,
 * a per-call deadline, no redirects followed. Failures are TwirpClientError; non-Twirp responses from
 * proxies are mapped like the Go client does, with `http_error_from_intermediary` meta.
 */
export function createTwirpJsonCaller(options: TwirpClientOptions): TwirpJsonCall {
  const post = createTwirpPost(options);
  return async function call<Response>(service: string, method: string, request: object, callOptions: TwirpCallOptions = {}): Promise<Response> {
    const exchange = await post(service, method, request, callOptions, 'application/json');
    const body = await exchange.successBody();
    try {
      return JSON.parse(body) as Response;
    } catch (error) {
      throw new TwirpClientError('internal', `${method}: the server answered 200 with a body that is not JSON`, {
        httpStatus: 200,
        cause: error,
      });
    }
  };
}
