import { currentTraceHeaders } from './with-span.js';

/**
 * Wraps `fetch` so every outgoing request carries the trace headers `headersOf` gives at send time
 * (none when it gives none). Headers the caller set win.
 */
export function withTraceHeaders(base: typeof fetch, headersOf: () => Readonly<Record<string, string | undefined>>): typeof fetch {
  return (input, init) => {
    const trace = Object.entries(headersOf()).filter((entry): entry is [string, string] => entry[1] !== undefined);
    if (trace.length === 0) return base(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of trace) {
      if (!headers.has(name)) headers.set(name, value);
    }
    return base(input, { ...init, headers });
  };
}

/**
 * Wraps `fetch` so every outgoing request carries the W3C `traceparent` (and `tracestate`) of the
 * span active when it is sent. Plugins' HTTP clients use it: an inline tool runs inside its
 * `execute_tool` span, so the upstream API sees the chat turn's trace.
 */
export function withTraceContextFetch(base: typeof fetch): typeof fetch {
  return withTraceHeaders(base, currentTraceHeaders);
}
