/** Structured logger handed to tools; a child of the host's logger, scoped to the plugin and call. */
export interface ToolLogger {
  debug(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  info(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  warn(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  error(objOrMsg: Record<string, unknown> | string, msg?: string): void;
}

/** Options for {@link ToolCache.set}. */
export interface CacheSetOptions {
  /** Time to live in seconds; the entry disappears afterwards. */
  ttlSeconds: number;
}

/**
 * A per-plugin, namespaced key-value cache. Values are JSON-serialisable.
 * The host backs it with Redis (shared across replicas) or memory.
 */
export interface ToolCache {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options: CacheSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The time source a tool must use instead of `Date.now()`, so tests can fix it. */
export interface Clock {
  /** The current instant. */
  now(): Date;
  /** The host's IANA time zone (e.g. "Europe/Madrid"). */
  readonly timeZone: string;
}

/** A request made through {@link ToolHttpClient}. */
export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /** Per-request timeout; capped by the host's own deadline for the call. */
  timeoutMs?: number;
  /** Responses larger than this are refused with UPSTREAM_FAILED (default 2 MiB). */
  maxResponseBytes?: number;
}

/** The response of {@link ToolHttpClient.fetch}; the body is already read and size-checked. */
export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly url: string;
  readonly headers: Headers;
  text(): string;
  /** Parses the body as JSON; throws ToolError UPSTREAM_FAILED when it is not JSON. */
  json<T = unknown>(): T;
}

/**
 * Outbound HTTP for tools. Only hosts the plugin declares in its manifest
 * (`acai.network.hosts`) are reachable; timeouts and the call's abort signal are enforced.
 * Network failures and timeouts become ToolError UPSTREAM_UNAVAILABLE / TIMEOUT.
 */
export interface ToolHttpClient {
  fetch(url: string | URL, options?: HttpRequestOptions): Promise<HttpResponse>;
}

/** Identity of the plugin a tool belongs to. */
export interface PluginIdentity {
  readonly name: string;
  readonly version: string;
}

/** Everything a tool receives besides its arguments. */
export interface ToolContext<Config = Record<string, unknown>> {
  /** The plugin's configuration, validated against its config schema, with secrets resolved. */
  readonly config: Readonly<Config>;
  /** Logger scoped to this plugin and call. */
  readonly logger: ToolLogger;
  /** Fires when the call times out or is cancelled; pass it to anything slow. */
  readonly signal: AbortSignal;
  /** Per-plugin cache. */
  readonly cache: ToolCache;
  /** Outbound HTTP restricted to the plugin's declared hosts. */
  readonly http: ToolHttpClient;
  /** Injectable time source. */
  readonly clock: Clock;
  /** Which plugin this is. */
  readonly plugin: PluginIdentity;
  /** Unique id of this call (for logs and correlation). */
  readonly callId: string;
}

/** What `setup` receives: the same services, without a per-call signal. */
export interface PluginSetupContext<Config = Record<string, unknown>> {
  readonly config: Readonly<Config>;
  readonly logger: ToolLogger;
  readonly cache: ToolCache;
  readonly http: ToolHttpClient;
  readonly clock: Clock;
  readonly plugin: PluginIdentity;
  /** Fires when setup exceeds the host's deadline. */
  readonly signal: AbortSignal;
}
