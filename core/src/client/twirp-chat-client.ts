import type {
  ChatApi,
  ChatCallOptions,
  ContinueConversationRequest,
  ContinueConversationResponse,
  DescribeConversationRequest,
  DescribeConversationResponse,
  ListConversationsRequest,
  ListConversationsResponse,
  StartConversationRequest,
  StartConversationResponse,
} from './chat-api.js';

const TWIRP_CODES = new Set([
  'canceled',
  'unknown',
  'invalid_argument',
  'malformed',
  'deadline_exceeded',
  'not_found',
  'bad_route',
  'already_exists',
  'permission_denied',
  'unauthenticated',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'dataloss',
]);

/** A Twirp error code as received by a client (spec v7). */
export type ChatErrorCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'malformed'
  | 'deadline_exceeded'
  | 'not_found'
  | 'bad_route'
  | 'already_exists'
  | 'permission_denied'
  | 'unauthenticated'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'dataloss';

const BRAND = Symbol.for('acai.core.ChatClientError');

/**
 * A failed chat call as the client saw it: a Twirp error from the server, an error mapped from a
 * non-Twirp intermediary response (Go client table), or a transport failure.
 */
export class ChatClientError extends Error {
  readonly code: ChatErrorCode;
  readonly meta: Readonly<Record<string, string>>;
  /** HTTP status of the response, or 0 when no response arrived. */
  readonly httpStatus: number;
  /** True when no HTTP response arrived at all (connection refused, reset, DNS). */
  readonly isTransportFailure: boolean;
  readonly [BRAND] = true;

  constructor(
    code: ChatErrorCode,
    message: string,
    options: { meta?: Record<string, string>; httpStatus?: number; isTransportFailure?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChatClientError';
    this.code = code;
    this.meta = options.meta ?? {};
    this.httpStatus = options.httpStatus ?? 0;
    this.isTransportFailure = options.isTransportFailure ?? false;
  }

  /** True when retrying the same call later may succeed (host down, overloaded, slow). */
  get isRetryable(): boolean {
    return (
      this.isTransportFailure ||
      this.code === 'unavailable' ||
      this.code === 'deadline_exceeded' ||
      this.code === 'resource_exhausted'
    );
  }

  static isInstance(value: unknown): value is ChatClientError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Options for {@link createTwirpChatClient}. */
export interface TwirpChatClientOptions {
  /** Base URL of the host, e.g. `http://127.0.0.1:8080` (a trailing slash is tolerated). */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  apiKey?: string;
  /** Per-call deadline (default 120 s: a turn may run several tools). */
  timeoutMs?: number;
  /** Path prefix of the Twirp routes (default `/twirp`). */
  prefix?: string;
  /** Injectable fetch (tests). */
  fetch?: typeof fetch;
}

const SERVICE = 'acai.chat.ChatService';

// The Go client's table for responses that are not Twirp errors (docs/errors.md).
function codeFromHttpStatus(status: number): ChatErrorCode {
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

function parseTwirpError(body: string): { code: ChatErrorCode; msg: string; meta: Record<string, string> } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if (typeof record.code !== 'string' || !TWIRP_CODES.has(record.code) || typeof record.msg !== 'string') {
    return undefined;
  }
  const meta: Record<string, string> = {};
  if (typeof record.meta === 'object' && record.meta !== null) {
    for (const [key, value] of Object.entries(record.meta as Record<string, unknown>)) {
      if (typeof value === 'string') meta[key] = value;
    }
  }
  return { code: record.code as ChatErrorCode, msg: record.msg, meta };
}

function describeTransportFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A typed Twirp JSON client for the chat service. Errors are ChatClientError; non-Twirp
 * responses from proxies are mapped like the Go client does, with `http_error_from_intermediary` meta.
 *
 * @example
 * const chat = createTwirpChatClient({ url: 'http://127.0.0.1:8080', apiKey: process.env.ACAI_API_KEY });
 * const { reply } = await chat.startConversation({ message: 'hello' });
 */
export function createTwirpChatClient(options: TwirpChatClientOptions): ChatApi {
  const baseUrl = options.url.replace(/\/+$/, '');
  const prefix = options.prefix ?? '/twirp';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  async function call<Response>(method: string, request: object, callOptions: ChatCallOptions = {}): Promise<Response> {
    const url = `${baseUrl}${prefix}/${SERVICE}/${method}`;
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, timeoutSignal]) : timeoutSignal;
    let response: globalThis.Response;
    let body: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        signal,
        redirect: 'manual',
      });
      body = await response.text();
    } catch (error) {
      if (callOptions.signal?.aborted) {
        throw new ChatClientError('canceled', `${method} was cancelled`, { cause: error });
      }
      if (timeoutSignal.aborted) {
        throw new ChatClientError('deadline_exceeded', `${method} got no answer within ${timeoutMs} ms`, { cause: error });
      }
      throw new ChatClientError('internal', `cannot reach ${baseUrl}: ${describeTransportFailure(error)}`, {
        isTransportFailure: true,
        cause: error,
      });
    }
    if (response.status === 200) {
      try {
        return JSON.parse(body) as Response;
      } catch (error) {
        throw new ChatClientError('internal', `${method}: the server answered 200 with a body that is not JSON`, {
          httpStatus: 200,
          cause: error,
        });
      }
    }
    const twirpError = parseTwirpError(body);
    if (twirpError) {
      throw new ChatClientError(twirpError.code, twirpError.msg, { meta: twirpError.meta, httpStatus: response.status });
    }
    const meta: Record<string, string> = {
      http_error_from_intermediary: 'true',
      status_code: String(response.status),
      body,
    };
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) meta.location = location;
    throw new ChatClientError(
      codeFromHttpStatus(response.status),
      `non-Twirp HTTP ${response.status} response from an intermediary`,
      { meta, httpStatus: response.status },
    );
  }

  return {
    startConversation: (request: StartConversationRequest, callOptions?: ChatCallOptions) =>
      call<StartConversationResponse>('StartConversation', request, callOptions),
    continueConversation: (request: ContinueConversationRequest, callOptions?: ChatCallOptions) =>
      call<ContinueConversationResponse>('ContinueConversation', request, callOptions),
    listConversations: (request: ListConversationsRequest, callOptions?: ChatCallOptions) =>
      call<ListConversationsResponse>('ListConversations', request, callOptions),
    describeConversation: (request: DescribeConversationRequest, callOptions?: ChatCallOptions) =>
      call<DescribeConversationResponse>('DescribeConversation', request, callOptions),
  };
}
