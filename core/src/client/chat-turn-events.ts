import type { ChatStreamEventName } from '../rpc/chat-stream-events.js';
import type { ChatTurnEvent } from './chat-api.js';
import { TWIRP_ERROR_CODES, TwirpClientError, type TwirpErrorCode } from './twirp-client-error.js';

const TURN_EVENTS: ReadonlySet<string> = new Set<ChatStreamEventName>(['conversation', 'delta', 'tool_call_started', 'tool_call_finished', 'message']);

/**
 * One received ContinueChatStream event as what a client yields: a turn event, `undefined` for events
 * this client does not know (newer hosts may add some), or — for the terminal `error` event — the
 * TwirpClientError to throw. Malformed data is the host's fault and reported as `internal`.
 */
export function toChatTurnEvent(event: string, data: unknown): ChatTurnEvent | TwirpClientError | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return new TwirpClientError('internal', `ContinueChatStream: the "${event}" event carried no JSON object`, { httpStatus: 200 });
  }
  if (event === 'error') {
    const { code, msg, meta } = data as { code?: unknown; msg?: unknown; meta?: unknown };
    const knownCode: TwirpErrorCode = typeof code === 'string' && TWIRP_ERROR_CODES.has(code) ? (code as TwirpErrorCode) : 'unknown';
    const stringMeta: Record<string, string> = {};
    for (const [key, value] of Object.entries(typeof meta === 'object' && meta !== null ? meta : {})) {
      if (typeof value === 'string') stringMeta[key] = value;
    }
    return new TwirpClientError(knownCode, typeof msg === 'string' ? msg : 'the stream failed', { meta: stringMeta, httpStatus: 200 });
  }
  return TURN_EVENTS.has(event) ? ({ event, data } as ChatTurnEvent) : undefined;
}

/** Thrown when a stream ends without `message` or `error`: the connection broke (a host restart, a proxy). */
export function incompleteStreamError(cause?: unknown): TwirpClientError {
  return new TwirpClientError('unavailable', 'the stream ended before the reply was complete', {
    httpStatus: 200,
    ...(cause === undefined ? {} : { cause }),
  });
}
