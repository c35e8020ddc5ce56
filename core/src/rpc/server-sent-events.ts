import type { ServerResponse } from 'node:http';
import { HostError } from '../errors/index.js';
import type { ServerEventStream } from './server-event-stream.js';

/** Default idle time after which a comment keeps proxies and clients from timing the stream out. */
export const DEFAULT_KEEP_ALIVE_MS = 15_000;

/** Options of {@link ServerSentEvents}. */
export interface ServerSentEventsOptions {
  /** Aborted when the call ends early (client gone, deadline, shutdown); pending sends reject with its reason. */
  readonly signal: AbortSignal;
  /** Longest silence before a `: keep-alive` comment; default {@link DEFAULT_KEEP_ALIVE_MS}. */
  readonly keepAliveMs?: number;
}

const KEEP_ALIVE_COMMENT = ': keep-alive\n\n';

/**
 * One Server-Sent Events response: `event: <name>\ndata: <one-line JSON>\n\n` frames on a raw Node
 * response. Nothing is written until the first event, so a call that fails before it can still answer
 * with an ordinary error response. Back-pressure: a send that fills the socket's buffer resolves only
 * on `drain`, so per stream the host holds at most the socket's high-water mark plus one event.
 */
export class ServerSentEvents implements ServerEventStream {
  readonly #response: ServerResponse;
  readonly #signal: AbortSignal;
  readonly #keepAliveMs: number;
  #keepAlive: NodeJS.Timeout | undefined;
  #isEnded = false;

  constructor(response: ServerResponse, options: ServerSentEventsOptions) {
    this.#response = response;
    this.#signal = options.signal;
    this.#keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
  }

  /** True once the status line and headers went out (the answer can no longer be an error response). */
  get isOpen(): boolean {
    return this.#response.headersSent;
  }

  async send(event: string, data: object): Promise<void> {
    if (this.#isEnded || this.#response.destroyed) throw this.#goneReason();
    if (this.#signal.aborted) throw this.#signal.reason;
    if (!this.isOpen) this.#open();
    this.#keepAlive?.refresh();
    if (!this.#response.write(frame(event, data))) await this.#drained();
  }

  /** Writes a last event (if the client is still there) and ends the response. Idempotent. */
  end(event?: string, data?: object): void {
    if (this.#isEnded) return;
    this.#isEnded = true;
    clearTimeout(this.#keepAlive);
    if (this.#response.destroyed) return;
    if (!this.isOpen) this.#open();
    this.#response.end(event === undefined || data === undefined ? undefined : frame(event, data));
  }

  #open(): void {
    this.#response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // nginx (and proxies that follow it) would otherwise hold the events back in its buffer.
      'x-accel-buffering': 'no',
    });
    // No flushHeaders(): the headers leave with the first event, one write instead of two.
    const keepAlive = (): void => {
      // A client that reads nothing gets no comments piled up behind the events it has not taken.
      if (!this.#response.writableNeedDrain) this.#response.write(KEEP_ALIVE_COMMENT);
      this.#keepAlive?.refresh();
    };
    this.#keepAlive = setTimeout(keepAlive, this.#keepAliveMs);
    this.#response.once('close', () => clearTimeout(this.#keepAlive));
  }

  #drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        this.#response.off('drain', onDrain);
        this.#response.off('close', onClose);
        this.#signal.removeEventListener('abort', onAbort);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(this.#goneReason());
      };
      const onAbort = (): void => {
        cleanup();
        reject(this.#signal.reason);
      };
      this.#response.on('drain', onDrain);
      this.#response.on('close', onClose);
      this.#signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #goneReason(): unknown {
    return this.#signal.aborted ? this.#signal.reason : new HostError('HOST_CANCELED', 'the client closed the stream');
  }
}

function frame(event: string, data: object): string {
  // JSON.stringify escapes line breaks inside strings, so the data is always exactly one line.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
