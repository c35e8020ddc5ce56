/** One dispatched server-sent event. */
export interface ServerSentEvent {
  /** The `event:` field; `message` when the event named none. */
  readonly event: string;
  /** The `data:` lines joined with newlines. */
  readonly data: string;
  /** The last `id:` seen on the stream, if any. */
  readonly lastEventId?: string;
}

/** Default bound on one event's buffered text: a server that never ends a line cannot exhaust memory. */
export const DEFAULT_MAX_EVENT_CHARACTERS = 16 * 1024 * 1024;

/**
 * An incremental parser for `text/event-stream` (the WHATWG HTML "event stream interpretation"):
 * feed it decoded text in whatever pieces the network delivers and it returns the events completed by
 * each piece. Lines end in CRLF, LF or CR (a CRLF split across two pieces counts once); `:` lines are
 * comments (keep-alives); one space after the field colon is dropped; an event without data is not
 * dispatched; an unfinished event at the end of the stream is discarded. `retry:` is ignored because
 * this client never reconnects on its own.
 */
export class ServerSentEventParser {
  readonly #maxEventCharacters: number;
  #buffer = '';
  #isStart = true;
  #skipLineFeed = false;
  #eventType = '';
  #data: string[] = [];
  #eventCharacters = 0;
  #lastEventId: string | undefined;
  #comments = 0;

  constructor(options: { maxEventCharacters?: number } = {}) {
    this.#maxEventCharacters = options.maxEventCharacters ?? DEFAULT_MAX_EVENT_CHARACTERS;
  }

  /** Comment lines seen so far (the host's `: keep-alive`). */
  get comments(): number {
    return this.#comments;
  }

  /** Parses the next piece of the stream; returns the events it completed, in order. */
  push(text: string): ServerSentEvent[] {
    let chunk = text;
    if (this.#isStart && chunk.length > 0) {
      this.#isStart = false;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    if (this.#skipLineFeed && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#skipLineFeed = false;
    this.#buffer += chunk;

    const events: ServerSentEvent[] = [];
    let lineStart = 0;
    for (let index = 0; index < this.#buffer.length; index += 1) {
      const character = this.#buffer[index];
      if (character !== '\n' && character !== '\r') continue;
      const event = this.#processLine(this.#buffer.slice(lineStart, index));
      if (event !== undefined) events.push(event);
      if (character === '\r') {
        if (index + 1 === this.#buffer.length) this.#skipLineFeed = true;
        else if (this.#buffer[index + 1] === '\n') index += 1;
      }
      lineStart = index + 1;
    }
    this.#buffer = this.#buffer.slice(lineStart);
    if (this.#buffer.length + this.#eventCharacters > this.#maxEventCharacters) {
      throw new RangeError(`a server-sent event exceeded ${this.#maxEventCharacters} characters`);
    }
    return events;
  }

  #processLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) {
      this.#comments += 1;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#eventType = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#eventCharacters += value.length + 1;
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      default:
        // `retry` and unknown fields are ignored, as the format requires.
        break;
    }
    return undefined;
  }

  #dispatch(): ServerSentEvent | undefined {
    const data = this.#data;
    const eventType = this.#eventType;
    this.#data = [];
    this.#eventType = '';
    this.#eventCharacters = 0;
    if (data.length === 0) return undefined;
    return {
      event: eventType === '' ? 'message' : eventType,
      data: data.join('\n'),
      ...(this.#lastEventId === undefined ? {} : { lastEventId: this.#lastEventId }),
    };
  }
}
