/** One dispatched Server-Sent Event. */
export interface ServerSentEvent {
  /** The `event:` field; `message` when the server sent none. */
  readonly event: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
}

/** Largest event accepted by default; a server sending more is broken or hostile. */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

/**
 * Parses a `text/event-stream` body (WHATWG HTML § 9.2 "Server-sent events"): lines end with LF, CRLF
 * or CR; a blank line dispatches; `:` lines are comments (keep-alives); `id` and `retry` are ignored.
 * An event growing past `maxEventBytes` (counted in characters) throws instead of growing memory without bound.
 */
export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
  options: { readonly maxEventBytes?: number } = {},
): AsyncGenerator<ServerSentEvent> {
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let eventName = '';
  let data: string[] = [];
  // Characters held for the event being read (its data lines), checked with the unfinished line.
  let dataLength = 0;
  // A CR that ended the previous chunk: an LF at the start of the next one belongs to it.
  let isAfterCarriageReturn = false;

  const takeLine = function* (line: string): Generator<ServerSentEvent> {
    if (line === '') {
      if (data.length > 0) yield { event: eventName === '' ? 'message' : eventName, data: data.join('\n') };
      eventName = '';
      data = [];
      dataLength = 0;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') {
      data.push(value);
      dataLength += value.length + 1;
    }
  };

  for await (const chunk of body) {
    let text = decoder.decode(chunk, { stream: true });
    if (isAfterCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    isAfterCarriageReturn = false;
    // Everything held over from earlier chunks has no line end in it, so only the new text is scanned:
    // one long event arriving in many chunks then costs linear, not quadratic, time.
    const scanFrom = pending.length;
    pending += text;
    let start = 0;
    for (let index = scanFrom; index < pending.length; index += 1) {
      const character = pending[index];
      if (character !== '\n' && character !== '\r') continue;
      yield* takeLine(pending.slice(start, index));
      if (character === '\r') {
        if (index + 1 === pending.length) isAfterCarriageReturn = true;
        else if (pending[index + 1] === '\n') index += 1;
      }
      start = index + 1;
    }
    pending = pending.slice(start);
    if (pending.length + dataLength > maxEventBytes) throw new Error(`server-sent event larger than ${maxEventBytes} characters`);
  }
  // A stream that ends without a blank line leaves its last event undispatched, as the standard says,
  // so what is still pending (or held in the decoder) is dropped.
}
