// The entry script of a plugin worker thread. It imports one plugin and runs its setup, tools and
// dispose on request from the host, proxying every SDK context service (logger, cache, HTTP, clock,
// abort signal) back to the host over the worker's MessagePort.
//
// Everything this file needs from the platform is captured before the plugin's code is imported,
// so a plugin that patches prototypes or globals cannot change how results are measured or sent.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Buffer } from 'node:buffer';
import { getPriority, setPriority } from 'node:os';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  isPluginDefinition,
  ToolError,
  type CacheSetOptions,
  type Clock,
  type HttpRequestOptions,
  type HttpResponse,
  type PluginDefinition,
  type PluginSetupContext,
  type ToolCache,
  type ToolContext,
  type ToolDefinition,
  type ToolHttpClient,
  type ToolLogger,
  type ToolOutput,
} from '@acai/plugin-sdk';
import { checkToolResult, isRefusedToolResult, MAX_TOOL_DATA_DEPTH } from '../tool-result-data.js';
import { deserializeError, serializeError } from './serialize-error.js';
import type {
  HostMessage,
  LoadResult,
  SerializedHttpRequestOptions,
  SerializedHttpResponse,
  ServiceRequest,
  WorkerBootData,
  WorkerMessage,
  WorkerPluginIdentity,
} from './worker-protocol.js';

// Two transports: a worker thread (MessagePort, synchronous host clock over a SharedArrayBuffer) or a
// child process (IPC channel with structured-clone serialisation; the clock follows the host's
// reading sent with each request).
interface HostChannel {
  readonly boot: WorkerBootData;
  send(message: WorkerMessage): void;
  listen(onMessage: (message: HostMessage) => void): void;
}

function threadChannel(port: NonNullable<typeof parentPort>): HostChannel {
  const post = port.postMessage.bind(port) as (message: WorkerMessage) => void;
  const listen = port.on.bind(port);
  return { boot: workerData as WorkerBootData, send: post, listen: (onMessage) => listen('message', onMessage) };
}

function processChannel(): HostChannel {
  const processSend = process.send?.bind(process);
  if (processSend === undefined) throw new Error('plugin-worker must run in a worker thread or a child process with an IPC channel');
  const boot = JSON.parse(process.argv[2] ?? '{}') as WorkerBootData;
  const listen = process.on.bind(process);
  // Dies with the host: a closed IPC channel means nobody will ever call this plugin again.
  listen('disconnect', () => process.exit(0));
  return {
    boot,
    send: (message) => {
      processSend(message);
    },
    listen: (onMessage) => listen('message', onMessage as (message: unknown) => void),
  };
}

// The host's stdout is its JSON log stream (and for `acai mcp` the JSON-RPC stream). Neither a thread
// nor a child process writes there: their stdout and stderr are pipes (worker streams, or the child's
// stdio) the host turns into the plugin's log lines, each stream at its own level (forward-worker-output.ts).

const channel = parentPort === null ? processChannel() : threadChannel(parentPort);
const boot = channel.boot;
const postToHost = channel.send;
// Captured now: the worker renices itself after the plugin's code has run, which could have patched them.
const readPriority = getPriority;
const writePriority = setPriority;
const isLinux = process.platform === 'linux';
const byteLength = Buffer.byteLength;
const clockFlag = boot.clockFlag === undefined ? undefined : new Int32Array(boot.clockFlag);
const clockPort: MessagePort | undefined = boot.clockPort;
const nowMs = performance.now.bind(performance);
/** The host clock's last reading (sent with each request) and when it arrived, for the process transport. */
let hostClockReading = { hostMs: Date.now(), receivedAt: nowMs() };

// Which host request (call or setup) the running code belongs to, so global fetch and logs made
// deep inside a tool are attributed to the right call and its abort signal.
const currentRequest = new AsyncLocalStorage<number>();

let plugin: PluginDefinition | undefined;
let tools = new Map<string, ToolDefinition>();
let pluginConfig: Readonly<Record<string, unknown>> = Object.freeze({});
let identity: WorkerPluginIdentity = { name: 'unknown', version: '0.0.0' };
let timeZone = 'UTC';
const requestControllers = new Map<number, AbortController>();
const pendingServices = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextServiceId = 1;
let clockSequence = 0;

function send(message: WorkerMessage): void {
  postToHost(message);
}

function respond(id: number, value: unknown): void {
  try {
    send({ type: 'response', id, ok: true, value });
  } catch (error) {
    // The value is not structured-clone-safe (functions, class instances with private state, ...).
    fail(id, new ToolError('INTERNAL', `plugin returned a value that cannot cross the worker boundary: ${(error as Error).message}`));
  }
}

function fail(id: number, error: unknown): void {
  const serialized = serializeError(error);
  try {
    send({ type: 'response', id, ok: false, error: serialized });
  } catch {
    // details were not cloneable: send the error without them
    send({ type: 'response', id, ok: false, error: serialized.kind === 'tool' ? { kind: 'tool', code: serialized.code, message: serialized.message } : { ...serialized } });
  }
}

function callService(request: DistributiveOmit<ServiceRequest, 'id' | 'type'>): Promise<unknown> {
  const id = nextServiceId++;
  return new Promise((resolve, reject) => {
    pendingServices.set(id, { resolve, reject });
    try {
      send({ type: 'service', id, ...request } as ServiceRequest);
    } catch (error) {
      pendingServices.delete(id);
      reject(new ToolError('INTERNAL', `cannot send to the host: ${(error as Error).message}`, { cause: error }));
    }
  });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

// --- context services -------------------------------------------------------------------------

/** The host's clock, read synchronously: the worker thread blocks (briefly) until the host answers. */
function hostNow(): Date {
  if (clockFlag === undefined || clockPort === undefined) {
    // child process: the host's reading at the start of this request, advanced by elapsed time here
    return new Date(hostClockReading.hostMs + (nowMs() - hostClockReading.receivedAt));
  }
  const sequence = ++clockSequence;
  clockPort.postMessage(sequence);
  const deadline = nowMs() + 1000;
  for (;;) {
    Atomics.store(clockFlag, 0, 0);
    for (let received = receiveMessageOnPort(clockPort); received !== undefined; received = receiveMessageOnPort(clockPort)) {
      const answer = received.message as { sequence: number; now: number };
      if (answer.sequence === sequence) return new Date(answer.now);
    }
    const remaining = deadline - nowMs();
    // The host's event loop did not answer in time: fall back to this thread's clock.
    if (remaining <= 0) return new Date();
    Atomics.wait(clockFlag, 0, 0, remaining);
  }
}

const clock: Clock = {
  now: hostNow,
  get timeZone() {
    return timeZone;
  },
};

const cache: ToolCache = {
  async get<T>(key: string): Promise<T | undefined> {
    return (await callService({ service: 'cache.get', key: String(key) })) as T | undefined;
  },
  async set(key: string, value: unknown, options: CacheSetOptions): Promise<void> {
    await callService({ service: 'cache.set', key: String(key), value, ttlSeconds: Number(options.ttlSeconds) });
  },
  async delete(key: string): Promise<void> {
    await callService({ service: 'cache.delete', key: String(key) });
  },
};

function toHttpResponse(response: SerializedHttpResponse): HttpResponse {
  const body = response.body;
  return {
    status: response.status,
    ok: response.ok,
    url: response.url,
    headers: new Headers(response.headers as Array<[string, string]>),
    text: () => body,
    json<T>(): T {
      try {
        return JSON.parse(body) as T;
      } catch (error) {
        throw new ToolError('UPSTREAM_FAILED', `response from ${response.url} is not JSON`, { cause: error });
      }
    },
  };
}

function serializeHttpOptions(options: HttpRequestOptions | undefined): SerializedHttpRequestOptions | undefined {
  if (options === undefined) return undefined;
  return {
    ...(options.method === undefined ? {} : { method: options.method }),
    ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
    ...(options.body === undefined ? {} : { body: String(options.body) }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: Number(options.timeoutMs) }),
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: Number(options.maxResponseBytes) }),
  };
}

async function proxiedFetch(requestId: number | undefined, url: string | URL, options?: HttpRequestOptions): Promise<HttpResponse> {
  const response = (await callService({
    service: 'http.fetch',
    requestId,
    url: String(url),
    options: serializeHttpOptions(options),
  })) as SerializedHttpResponse;
  return toHttpResponse(response);
}

function httpFor(requestId: number): ToolHttpClient {
  return { fetch: (url, options) => proxiedFetch(requestId, url, options) };
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

// Global fetch goes through the host's HTTP client too, so the manifest's host allow-list applies
// to it. (Other egress — node:http, node:net, undici — is not intercepted; see the README.)
async function workerFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  const method = request.method.toUpperCase();
  if (!HTTP_METHODS.has(method)) throw new TypeError(`fetch: method ${method} is not supported inside a plugin worker`);
  const body = method === 'GET' || method === 'HEAD' ? undefined : await request.text();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const response = (await callService({
    service: 'http.fetch',
    requestId: currentRequest.getStore(),
    url: request.url,
    options: { method: method as NonNullable<HttpRequestOptions['method']>, headers, ...(body === undefined || body === '' ? {} : { body }) },
  })) as SerializedHttpResponse;
  const hasBody = !NULL_BODY_STATUSES.has(response.status) && method !== 'HEAD';
  const result = new Response(hasBody ? response.body : null, { status: response.status, headers: response.headers as Array<[string, string]> });
  Object.defineProperty(result, 'url', { value: response.url });
  return result;
}

function loggerFor(requestId: number | undefined): ToolLogger {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (objOrMessage: Record<string, unknown> | string, message?: string) => {
    const fields = typeof objOrMessage === 'string' ? undefined : objOrMessage;
    const text = typeof objOrMessage === 'string' ? objOrMessage : message;
    try {
      send({ type: 'log', level, requestId, fields, message: text });
    } catch {
      send({ type: 'log', level, requestId, fields: { logFieldsDropped: 'not structured-clone-safe' }, message: text });
    }
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

// --- results -----------------------------------------------------------------------------------

/**
 * UTF-8 size of a string, without flattening a huge rope: flattening allocates the whole string at
 * once, and one allocation far past the worker's heap limit aborts the host process, not just the worker.
 */
function stringBytes(value: string, budget: number): number {
  if (value.length > budget) return value.length;
  return value.length * 3 <= budget ? value.length : byteLength(value, 'utf8');
}

/**
 * Checks a tool's return value and copies its data as plain JSON before it is cloned to the host: the
 * same check (and message) as the host's call path, so a result that is not JSON fails the same way in
 * every mode, and what crosses the boundary is only ever plain data of bounded size.
 */
function checkOutput(output: unknown): ToolOutput {
  const limit = boot.maxResultBytes;
  const checked = checkToolResult(output, { maxDepth: MAX_TOOL_DATA_DEPTH, maxBytes: limit });
  if (isRefusedToolResult(checked)) throw new ToolError(checked.code, checked.message);
  const size = stringBytes(checked.content, limit);
  if (size > limit) {
    throw new ToolError('INTERNAL', `tool result is at least ${size} bytes, over the worker limit of ${limit} bytes`, {
      details: { resultBytes: size, maxResultBytes: limit },
    });
  }
  if (typeof output === 'string') return checked.content;
  return checked.data === undefined ? { content: checked.content } : { content: checked.content, data: checked.data };
}

// --- requests ------------------------------------------------------------------------------------

async function load(): Promise<LoadResult> {
  let module: { default?: unknown };
  try {
    module = (await import(boot.entryUrl)) as { default?: unknown };
  } catch (error) {
    throw new Error(`importing ${boot.entryUrl} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  const candidate = module.default;
  if (!isPluginDefinition(candidate) && !looksLikePlugin(candidate)) {
    throw new Error(`${boot.entryUrl} has no default export made with definePlugin({...})`);
  }
  plugin = candidate as PluginDefinition;
  tools = new Map(plugin.tools.map((tool) => [tool.name, tool]));
  return {
    name: String(plugin.name),
    description: String(plugin.description),
    configSchema: plugin.configSchema,
    tools: plugin.tools.map((tool) => ({
      name: String(tool.name),
      description: String(tool.description),
      parameters: tool.parameters,
      idempotent: tool.idempotent === true,
    })),
  };
}

function looksLikePlugin(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string' && Array.isArray((value as { tools?: unknown }).tools);
}

function requirePlugin(): PluginDefinition {
  if (plugin === undefined) throw new Error('plugin is not loaded');
  return plugin;
}

async function setup(id: number, config: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<void> {
  const loaded = requirePlugin();
  pluginConfig = Object.freeze(config);
  const context: PluginSetupContext = {
    config: pluginConfig,
    logger: loggerFor(id),
    cache,
    http: httpFor(id),
    clock,
    plugin: identity,
    signal,
  };
  await currentRequest.run(id, async () => {
    await loaded.setup?.(context);
  });
}

async function execute(id: number, toolName: string, args: unknown, callId: string, signal: AbortSignal): Promise<ToolOutput> {
  const tool = tools.get(toolName);
  if (tool === undefined) throw new ToolError('NOT_FOUND', `plugin ${identity.name} has no tool "${toolName}"`);
  const context: ToolContext = {
    config: pluginConfig,
    logger: loggerFor(id),
    signal,
    cache,
    http: httpFor(id),
    clock,
    plugin: identity,
    callId,
  };
  if (boot.reportSignalReads === true) reportSignalReads(context, id);
  const output = await currentRequest.run(id, async () => tool.execute(args as never, context));
  return checkOutput(output);
}

/** Makes `context.signal` a getter that tells the host, once, that the tool looked at its signal. */
function reportSignalReads(context: ToolContext, id: number): void {
  const signal = context.signal;
  let isReported = false;
  Object.defineProperty(context, 'signal', {
    enumerable: true,
    get() {
      if (!isReported) {
        isReported = true;
        try {
          send({ type: 'signal-read', id });
        } catch {
          // the host is gone: nobody is left to tell
        }
      }
      return signal;
    },
  });
}

function track(id: number, work: (signal: AbortSignal) => Promise<unknown>): void {
  const controller = new AbortController();
  requestControllers.set(id, controller);
  work(controller.signal).then(
    (value) => {
      requestControllers.delete(id);
      respond(id, value);
    },
    (error: unknown) => {
      requestControllers.delete(id);
      fail(id, error);
    },
  );
}

function handle(message: HostMessage): void {
  if ('clockNow' in message && typeof message.clockNow === 'number') hostClockReading = { hostMs: message.clockNow, receivedAt: nowMs() };
  switch (message.type) {
    case 'load':
      track(message.id, () => load());
      return;
    case 'setup':
      identity = Object.freeze({ name: message.plugin.name, version: message.plugin.version });
      timeZone = message.timeZone;
      track(message.id, async (signal) => {
        await setup(message.id, message.config, signal);
        // Import and setup ran at the host's priority, so a busy machine does not starve a plugin's start;
        // from here on (every tool call) the plugin yields to the host's request path.
        lowerOwnPriority(boot.niceness ?? 0, parentPort !== null);
        return null;
      });
      return;
    case 'execute':
      track(message.id, (signal) => execute(message.id, message.toolName, message.args, message.callId, signal));
      return;
    case 'dispose':
      track(message.id, async () => {
        await plugin?.dispose?.();
        return null;
      });
      return;
    case 'abort':
      requestControllers.get(message.id)?.abort(deserializeError(message.reason));
      return;
    case 'service-result': {
      const pending = pendingServices.get(message.id);
      if (pending === undefined) return;
      pendingServices.delete(message.id);
      if (message.ok) pending.resolve(message.value);
      else pending.reject(deserializeError(message.error));
      return;
    }
  }
}

// An unhandled rejection in plugin code must not end the worker (Node's default in a worker):
// report it to the host and keep serving.
process.on('unhandledRejection', (reason) => {
  try {
    send({ type: 'problem', kind: 'unhandled-rejection', error: serializeError(reason) });
  } catch {
    // nothing more we can do; the worker keeps running
  }
});

Object.defineProperty(globalThis, 'fetch', { value: workerFetch, writable: false, configurable: false, enumerable: true });

channel.listen((message) => handle(message));

/**
 * Runs this worker below the host's CPU priority, so a plugin that spins competes with the host's
 * request path as little as the kernel allows. For a thread this relies on Linux, where
 * setpriority(PRIO_PROCESS, 0) changes only the calling thread; elsewhere it would renice the whole
 * host, so threads skip it there. A child process can always renice itself.
 */
function lowerOwnPriority(niceness: number, isThread: boolean): void {
  if (niceness <= 0 || (isThread && !isLinux)) return;
  try {
    // Never raise it: a host that already runs niced keeps its workers at least as low.
    if (readPriority(0) < niceness) writePriority(0, Math.min(19, niceness));
  } catch {
    // not permitted here: the worker runs at the host's priority
  }
}
