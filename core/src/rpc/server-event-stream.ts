import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { RpcContext } from './rpc-context.js';

/** Where a server-streaming method writes its events; the transport decides the framing (SSE on the wire). */
export interface ServerEventStream {
  /**
   * Sends one event (`data` becomes one line of JSON). Resolves when the client can take more, so a
   * caller that awaits it never makes the host buffer for a slow client; rejects once the client is
   * gone or the call was aborted (deadline, shutdown).
   */
  send(event: string, data: object): Promise<void>;
}

/**
 * A server-streaming method served next to a Twirp service, under its path
 * (`<prefix>/<package.Service>/<name>`). The request is decoded like a Twirp request; failures thrown
 * before the first event are ordinary Twirp error responses, later ones a terminal `error` event.
 */
export interface ServerStreamMethod<Input extends DescMessage = DescMessage> {
  /** The method name in the URL, e.g. `ContinueChatStream`. */
  readonly name: string;
  /** The request message schema. */
  readonly input: Input;
  /** Sends the events, the terminal success event last; the transport ends the stream when it returns. */
  readonly handler: (request: MessageShape<Input>, context: RpcContext, stream: ServerEventStream) => Promise<void>;
}

/** Outcome of a stream: `ok`, or the Twirp code of its terminal error (`canceled` when the client left). */
export type StreamOutcome = 'ok' | string;

/** Telemetry hooks for server streams (metrics, spans); called in the request's async context. */
export interface ServerStreamObserver {
  opened(route: string): void;
  closed(route: string, outcome: StreamOutcome, durationMs: number): void;
}
