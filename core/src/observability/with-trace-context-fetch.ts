import { currentTraceHeaders } from './with-span.js';

/**
 * Wraps `fetch` so every outgoing request carries the W3C `traceparent` (and `tracestate`) of the
 * span active when it is sent. Plugins' HTTP clients use it: an inline tool runs inside its
 * `execute_tool` span, so the upstream API sees the chat turn's trace. Headers the caller set win.
 */
export function withTraceContextFetch(base: typeof fetch): typeof fetch {
  return (input, init) => {
    const trace = currentTraceHeaders();
    if (trace.traceparent === undefined) return base(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of Object.entries(trace)) {
      if (!headers.has(name)) headers.set(name, value);
    }
    return base(input, { ...init, headers });
  };
}
