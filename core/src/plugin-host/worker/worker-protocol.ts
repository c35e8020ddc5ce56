// The message protocol between the host and a plugin worker. Everything here crosses a
// MessagePort, so every payload is structured-clone-safe plain data (no classes, no functions).
// The host treats every message from the worker as untrusted: plugin code shares the worker's
// isolate and could post anything.
import type { MessagePort } from 'node:worker_threads';
import type { RuntimePluginInfo } from '../plugin-runtime.js';

/** A failure as it crosses the boundary; `kind: 'tool'` is re-created host-side as a ToolError. */
export type SerializedError =
  | { readonly kind: 'tool'; readonly code: string; readonly message: string; readonly details?: Record<string, unknown> }
  | { readonly kind: 'error'; readonly name: string; readonly message: string; readonly stack?: string };

/** What the plugin identity and clock zone look like inside the worker (sent with `setup`). */
export interface WorkerPluginIdentity {
  readonly name: string;
  readonly version: string;
}

/** Host → worker requests. Each has an id the worker answers with a {@link WorkerResponse}. */
export type HostRequest =
  | { readonly type: 'load'; readonly id: number }
  | {
      readonly type: 'setup';
      readonly id: number;
      readonly config: Readonly<Record<string, unknown>>;
      readonly plugin: WorkerPluginIdentity;
      readonly timeZone: string;
      /** The host clock's reading when the request was sent (the child-process clock follows it). */
      readonly clockNow: number;
    }
  | {
      readonly type: 'execute';
      readonly id: number;
      readonly toolName: string;
      readonly args: unknown;
      readonly callId: string;
      readonly traceparent: string | undefined;
      readonly clockNow?: number;
    }
  | { readonly type: 'dispose'; readonly id: number };

/** Host → worker notifications (no answer). */
export type HostNotification =
  /** Fires the abort signal of request `id` (a call or setup) inside the worker. */
  | { readonly type: 'abort'; readonly id: number; readonly reason: SerializedError }
  /** The answer to a {@link ServiceRequest}. */
  | { readonly type: 'service-result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'service-result'; readonly id: number; readonly ok: false; readonly error: SerializedError };

export type HostMessage = HostRequest | HostNotification;

/** Worker → host: the answer to a {@link HostRequest}. */
export type WorkerResponse =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Which host-side HTTP client a service request uses: the one bound to a call's signal, or the plugin-wide one. */
export type ServiceScope = { readonly callId: string } | { readonly callId?: undefined };

/** Worker → host: a context-service call (cache, HTTP). Answered with `service-result`. */
export type ServiceRequest =
  | { readonly type: 'service'; readonly id: number; readonly service: 'cache.get'; readonly key: string }
  | {
      readonly type: 'service';
      readonly id: number;
      readonly service: 'cache.set';
      readonly key: string;
      readonly value: unknown;
      readonly ttlSeconds: number;
    }
  | { readonly type: 'service'; readonly id: number; readonly service: 'cache.delete'; readonly key: string }
  | {
      readonly type: 'service';
      readonly id: number;
      readonly service: 'http.fetch';
      readonly requestId: number | undefined;
      readonly url: string;
      readonly options: SerializedHttpRequestOptions | undefined;
    };

/** HttpRequestOptions as plain data. */
export interface SerializedHttpRequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
}

/** An HttpResponse as plain data (the body is already read and size-checked host-side). */
export interface SerializedHttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** Worker → host: a log line (fire and forget). `requestId` names the call it belongs to, if any. */
export interface LogNotification {
  readonly type: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly requestId: number | undefined;
  readonly fields: Record<string, unknown> | undefined;
  readonly message: string | undefined;
}

/** Worker → host: a problem the worker survived (an unhandled rejection), reported for logs and counts. */
export interface ProblemNotification {
  readonly type: 'problem';
  readonly kind: 'unhandled-rejection';
  readonly error: SerializedError;
}

/**
 * Worker → host: the tool of call `id` read `context.signal` (once per call). Sent only when the host asked for
 * it ({@link WorkerBootData.reportSignalReads}): `acai plugin test` explains a tool that ignores its cancellation.
 */
export interface SignalReadNotification {
  readonly type: 'signal-read';
  readonly id: number;
}

export type WorkerMessage = WorkerResponse | ServiceRequest | LogNotification | ProblemNotification | SignalReadNotification;

/** What `workerData` carries into the worker entry. */
export interface WorkerBootData {
  /** URL of the plugin's entry module. */
  readonly entryUrl: string;
  /** Largest serialised tool result the worker will send back. */
  readonly maxResultBytes: number;
  /** CPU niceness the worker gives itself once the plugin's setup succeeded (0 = leave as is); import and setup run at the host's priority. */
  readonly niceness?: number;
  /** Tell the host when a tool reads `context.signal` (a {@link SignalReadNotification}); off when serving. */
  readonly reportSignalReads?: boolean;
  /** Thread transport only: an Int32Array over a SharedArrayBuffer used as the clock's wake-up flag. */
  readonly clockFlag?: SharedArrayBuffer;
  /** Thread transport only: port the worker asks the host's clock on (answered while it blocks on `clockFlag`). */
  readonly clockPort?: MessagePort;
}

/** The value of a successful `load`. */
export type LoadResult = RuntimePluginInfo;
