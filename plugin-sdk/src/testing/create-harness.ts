import type { PluginSetupContext, ToolCache, ToolContext, ToolHttpClient, ToolLogger } from '../context.js';
import type { PluginDefinition } from '../define-plugin.js';
import type { ToolDefinition } from '../define-tool.js';
import type { PluginPackageJson } from '../manifest.js';
import type { ToolErrorCode } from '../tool-error.js';
import { SDK_API_VERSION, SDK_VERSION } from '../version.js';
import { checkHostCompatibility, checkSdkCompatibility } from '../host/check-compatibility.js';
import { checkManifest, readPackageJson, SDK_PACKAGE_NAME } from '../host/check-manifest.js';
import { checkPluginDefinition } from '../host/check-plugin-definition.js';
import { createFakeClock, type FakeClock } from '../host/clocks.js';
import { createToolHttpClient } from '../host/create-tool-http-client.js';
import { MemoryToolCache } from '../host/memory-tool-cache.js';
import { PluginCheckError } from '../host/plugin-check-error.js';
import { preparePlugin, type PreparedTool, type QuarantinedTool } from '../host/prepare-plugin.js';
import {
  checkToolArguments,
  createSecretScrubber,
  isToolFailure,
  normalizeToolOutput,
  parseToolArguments,
  toToolFailure,
  type ToolFailure,
} from '../host/tool-call-steps.js';

/** A request a tool sent, as recorded by the harness. */
export interface HarnessRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** What a stubbed route answers; an object or array `body` is sent as JSON. */
export interface HarnessRouteResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** A stubbed HTTP route. */
export type HarnessRoute = (request: HarnessRequest) => HarnessRouteResponse | Promise<HarnessRouteResponse>;

/** Options for {@link createHarness}. */
export interface HarnessOptions {
  /** The plugin's config, validated against its configSchema exactly like the host does. */
  readonly config?: Record<string, unknown>;
  /** The plugin's package.json (object or path): runs the manifest and SDK checks; default is a minimal manifest. */
  readonly packageJson?: PluginPackageJson | string;
  /** When set, also checks the manifest's `acai.hostRange` against this host version. */
  readonly hostVersion?: string;
  /** Start of the fake clock (default 2026-01-01T00:00:00Z). */
  readonly now?: Date | string;
  /** Time zone of the fake clock (default UTC). */
  readonly timeZone?: string;
  readonly http?: {
    /** Extra reachable hosts besides the manifest's (e.g. "127.0.0.1" for a local fake server). */
    readonly allowHosts?: readonly string[];
    /** fetch for requests no route matches (default: the global fetch). */
    readonly fetch?: typeof fetch;
    /** Stubs keyed by `"METHOD host/path"`, `"host/path"` or a URL prefix (`"https://host/path"`); the longest match wins. */
    readonly routes?: Readonly<Record<string, HarnessRoute>>;
  };
  /** Per-call deadline; the tool's signal fires when it passes (default 10 s). */
  readonly timeoutMs?: number;
  /** Deadline for the plugin's setup (default 10 s). */
  readonly setupTimeoutMs?: number;
  /** Accept tools the host would quarantine (default false: createHarness throws PLUGIN_SCHEMA_INVALID-like lint errors). */
  readonly allowQuarantine?: boolean;
}

/** The result of {@link Harness.call}. */
export type HarnessCallResult =
  | { readonly ok: true; readonly content: string; readonly data?: unknown }
  | { readonly ok: false; readonly error: { readonly code: ToolErrorCode | 'TIMEOUT'; readonly message: string; readonly details?: unknown } };

/** One captured log line. */
export interface HarnessLogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A loaded plugin under test. */
export interface Harness {
  /** Calls a tool by its plugin-local name, with an arguments object or a JSON string (as a model sends it). */
  call(toolName: string, args?: unknown, options?: { signal?: AbortSignal }): Promise<HarnessCallResult>;
  /** The fake clock every tool sees. */
  readonly clock: FakeClock;
  /** Outbound requests, in order. */
  readonly http: { readonly requests: HarnessRequest[] };
  /** The plugin's in-memory cache. */
  readonly cache: MemoryToolCache;
  /** Captured log lines. */
  readonly logs: HarnessLogLine[];
  /** The validated config (defaults filled). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Tools that passed every check, with their schema fingerprints. */
  readonly tools: readonly PreparedTool[];
  /** Tools the host would quarantine (only non-empty with `allowQuarantine`). */
  readonly quarantined: readonly QuarantinedTool[];
  /** Runs the plugin's dispose hook. */
  dispose(): Promise<void>;
}

/**
 * Loads a plugin through the same checks the host runs (manifest, SDK range, config schema, secrets,
 * strict tool-schema compile and provider lint, setup) and lets tests call its tools with a fake clock,
 * an in-memory cache and stubbed or local HTTP.
 *
 * @example
 * const harness = await createHarness(plugin, { config: { provider: 'open-meteo' }, now: '2026-03-01T12:00:00Z' });
 * const result = await harness.call('get_forecast', { location: 'Paris', days: 3 });
 * expect(result.ok).toBe(true);
 */
export async function createHarness(plugin: PluginDefinition, options: HarnessOptions = {}): Promise<Harness> {
  const definition = checkPluginDefinition(plugin, `plugin "${(plugin as { name?: unknown }).name}"`);
  const source = `plugin "${definition.name}"`;
  const packageJson = await resolvePackageJson(definition, options, source);
  checkSdkCompatibility(packageJson, source);
  if (options.hostVersion !== undefined) checkHostCompatibility(packageJson, options.hostVersion, source);
  const prepared = preparePlugin(definition, packageJson, options.config, source);
  if (prepared.quarantined.length > 0 && options.allowQuarantine !== true) {
    throw new PluginCheckError('PLUGIN_SCHEMA_INVALID', prepared.quarantined.map((tool) => tool.reason).join('\n'), {
      problems: prepared.quarantined.flatMap((tool) => tool.problems),
    });
  }

  const clock = createFakeClock({ now: options.now ?? '2026-01-01T00:00:00Z', timeZone: options.timeZone ?? 'UTC' });
  const cache = new MemoryToolCache({ nowMs: clock.nowMs });
  const logs: HarnessLogLine[] = [];
  const requests: HarnessRequest[] = [];
  const scrub = createSecretScrubber(prepared.secretValues);
  const allowedHosts = [...(packageJson.acai.network?.hosts ?? []), ...(options.http?.allowHosts ?? [])];
  const fetchThroughRoutes = createRoutedFetch(options.http?.routes ?? {}, options.http?.fetch ?? globalThis.fetch, requests);
  const identity = { name: definition.name, version: packageJson.version };
  const tools = new Map<string, { prepared: PreparedTool; definition: ToolDefinition }>();
  for (const tool of prepared.tools) {
    tools.set(tool.name, { prepared: tool, definition: definition.tools.find((candidate) => candidate.name === tool.name)! });
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  let callCount = 0;

  if (definition.setup) {
    const setupTimeoutMs = options.setupTimeoutMs ?? 10_000;
    const controller = new AbortController();
    const setupContext: PluginSetupContext = {
      config: prepared.config,
      logger: createCapturingLogger(logs, { plugin: definition.name }, scrub),
      cache,
      http: createToolHttpClient({ allowedHosts, fetch: fetchThroughRoutes, signal: controller.signal }),
      clock,
      plugin: identity,
      signal: controller.signal,
    };
    const outcome = await runWithDeadline(() => definition.setup!(setupContext), setupTimeoutMs, controller);
    if (outcome.timedOut) throw new Error(`${source}: setup did not finish within ${setupTimeoutMs} ms`);
    if (outcome.failed) throw new Error(`${source}: setup failed: ${(outcome.error as Error)?.message ?? String(outcome.error)}`, { cause: outcome.error });
  }

  return {
    clock,
    cache,
    logs,
    http: { requests },
    config: prepared.config,
    tools: prepared.tools,
    quarantined: prepared.quarantined,
    async call(toolName, args = {}, callOptions = {}) {
      const entry = tools.get(toolName);
      if (entry === undefined) {
        const quarantined = prepared.quarantined.find((tool) => tool.name === toolName);
        throw new Error(quarantined ? quarantined.reason : `${source} has no tool "${toolName}" (tools: ${[...tools.keys()].join(', ')})`);
      }
      const parsed = parseToolArguments(toolName, args);
      if (!parsed.ok) return failed(parsed.failure, scrub);
      const checked = checkToolArguments(entry.prepared, parsed.value);
      if (!checked.ok) return failed(checked.failure, scrub);
      callCount += 1;
      const callId = `harness-call-${callCount}`;
      const controller = new AbortController();
      const onCallerAbort = (): void => controller.abort(callOptions.signal?.reason);
      callOptions.signal?.addEventListener('abort', onCallerAbort, { once: true });
      let http: ToolHttpClient | undefined;
      const context: ToolContext = {
        config: prepared.config,
        logger: createCapturingLogger(logs, { plugin: definition.name, tool: toolName, callId }, scrub),
        signal: controller.signal,
        cache: cache as ToolCache,
        get http() {
          return (http ??= createToolHttpClient({ allowedHosts, fetch: fetchThroughRoutes, signal: controller.signal }));
        },
        clock,
        plugin: identity,
        callId,
      };
      try {
        const outcome = await runWithDeadline(() => entry.definition.execute(checked.value as never, context), timeoutMs, controller);
        if (outcome.timedOut) return failed({ code: 'TIMEOUT', message: `The tool "${toolName}" did not finish within ${timeoutMs} ms.` }, scrub);
        if (outcome.failed) return failed(toToolFailure(outcome.error), scrub);
        const normalized = normalizeToolOutput(outcome.value);
        if (isToolFailure(normalized)) return failed(normalized, scrub);
        return normalized.data === undefined
          ? { ok: true, content: scrub(normalized.content) }
          : { ok: true, content: scrub(normalized.content), data: normalized.data };
      } finally {
        callOptions.signal?.removeEventListener('abort', onCallerAbort);
      }
    },
    async dispose() {
      await definition.dispose?.();
    },
  };
}

async function resolvePackageJson(plugin: PluginDefinition, options: HarnessOptions, source: string): Promise<PluginPackageJson> {
  if (options.packageJson === undefined) {
    return {
      name: plugin.name,
      version: '0.0.0-test',
      peerDependencies: { [SDK_PACKAGE_NAME]: `^${SDK_VERSION}` },
      acai: { entry: './index.js', sdkApi: SDK_API_VERSION, network: { hosts: [] } },
    };
  }
  const raw = typeof options.packageJson === 'string' ? await readPackageJson(options.packageJson) : options.packageJson;
  return checkManifest(raw, source);
}

function failed(failure: ToolFailure, scrub: (text: string) => string): HarnessCallResult {
  const error = { code: failure.code, message: scrub(failure.message) };
  return { ok: false, error: failure.details === undefined ? error : { ...error, details: failure.details } };
}

type DeadlineOutcome =
  | { timedOut: true; failed: false }
  | { timedOut: false; failed: true; error: unknown }
  | { timedOut: false; failed: false; value: unknown };

async function runWithDeadline(run: () => unknown, timeoutMs: number, controller: AbortController): Promise<DeadlineOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeadlineOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`deadline of ${timeoutMs} ms exceeded`));
      resolve({ timedOut: true, failed: false });
    }, timeoutMs);
  });
  const aborted = new Promise<DeadlineOutcome>((resolve) => {
    controller.signal.addEventListener('abort', () => resolve({ timedOut: true, failed: false }), { once: true });
  });
  const work = (async (): Promise<DeadlineOutcome> => {
    try {
      return { timedOut: false, failed: false, value: await run() };
    } catch (error) {
      return { timedOut: false, failed: true, error };
    }
  })();
  try {
    return await Promise.race([work, deadline, aborted]);
  } finally {
    clearTimeout(timer);
  }
}

function createCapturingLogger(logs: HarnessLogLine[], bindings: Record<string, unknown>, scrub: (text: string) => string): ToolLogger {
  const write = (level: HarnessLogLine['level']) => (objOrMsg: Record<string, unknown> | string, msg?: string) => {
    const fields = typeof objOrMsg === 'string' ? {} : objOrMsg;
    const text = typeof objOrMsg === 'string' ? objOrMsg : msg;
    const line = JSON.parse(scrub(JSON.stringify({ level, ...bindings, ...fields, ...(text === undefined ? {} : { msg: text }) }))) as HarnessLogLine;
    logs.push(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function createRoutedFetch(routes: Readonly<Record<string, HarnessRoute>>, fallback: typeof fetch, requests: HarnessRequest[]): typeof fetch {
  const matchers = Object.entries(routes).map(([key, handler]) => {
    const spaced = /^([A-Z]+)\s+(.+)$/.exec(key);
    const method = spaced?.[1];
    const target = spaced?.[2] ?? key;
    const isUrlPrefix = target.includes('://');
    return { method, target, isUrlPrefix, handler, weight: target.length };
  });
  matchers.sort((left, right) => right.weight - left.weight);
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const request: HarnessRequest = typeof init?.body === 'string' ? { url, method, headers, body: init.body } : { url, method, headers };
    requests.push(request);
    const hostPath = `${url.host}${url.pathname}`;
    const route = matchers.find(
      (matcher) =>
        (matcher.method === undefined || matcher.method === method) &&
        (matcher.isUrlPrefix ? url.href.startsWith(matcher.target) : hostPath.startsWith(matcher.target)),
    );
    if (route === undefined) return fallback(input, init);
    init?.signal?.throwIfAborted();
    const answer = await route.handler(request);
    const responseHeaders = new Headers(answer.headers);
    let body: ConstructorParameters<typeof Response>[0] = null;
    if (typeof answer.body === 'string' || answer.body instanceof Uint8Array) {
      body = answer.body as string | Uint8Array;
    } else if (answer.body !== undefined) {
      body = JSON.stringify(answer.body);
      if (!responseHeaders.has('content-type')) responseHeaders.set('content-type', 'application/json');
    }
    return new Response(body, { status: answer.status ?? 200, headers: responseHeaders });
  }) as typeof fetch;
}
