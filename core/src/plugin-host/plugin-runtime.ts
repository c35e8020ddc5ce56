import type { Clock, JsonSchema, PluginIdentity, ToolCache, ToolHttpClient, ToolOutput } from '@acai/plugin-sdk';
import type { Logger } from 'pino';
import type { IsolationMode, PluginMode } from '../config/isolation-modes.js';
import type { Sandbox } from './sandbox/index.js';

/** What the host learns about a tool after importing the plugin (schemas are validated host-side). */
export interface RuntimeToolInfo {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
  readonly idempotent: boolean;
}

/** What the host learns about a plugin after importing its entry. */
export interface RuntimePluginInfo {
  readonly name: string;
  readonly description: string;
  readonly configSchema: JsonSchema | undefined;
  readonly tools: readonly RuntimeToolInfo[];
}

/** Per-call input the runtime needs besides the arguments. */
export interface RuntimeCallContext {
  readonly callId: string;
  /** Fires on timeout or cancellation. */
  readonly signal: AbortSignal;
  /** W3C traceparent of the caller's span, so plugin work joins the trace. */
  readonly traceparent?: string;
}

/**
 * One loaded plugin, wherever its code runs. `inline` runs in the host's event loop;
 * `worker` runs in a worker thread and proxies the SDK context services across the boundary.
 * The call path (validation, policy, metrics, output cap, secret scrubbing) sits in front of
 * this interface and is identical for both modes.
 */
export interface PluginRuntime {
  readonly mode: PluginMode;
  /** Worker and MCP runtimes: true between a crash and the successful restart (inline runtimes leave it out). */
  readonly isRestarting?: boolean;
  /** Imports the entry and returns the plugin's declared shape (no setup yet). */
  load(): Promise<RuntimePluginInfo>;
  /** Runs the plugin's setup with its validated config; rejects when it fails or the signal fires. */
  setup(config: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<void>;
  /** Runs one tool with already validated arguments. Throws ToolError (or anything) on failure. */
  execute(toolName: string, args: unknown, context: RuntimeCallContext): Promise<ToolOutput>;
  /** Runs dispose and frees resources (terminates the worker). */
  dispose(): Promise<void>;
}

/**
 * The SDK context services the host provides to one plugin. `inline` runtimes hand them to the
 * plugin's code directly; `worker` runtimes proxy them across the thread boundary.
 */
export interface PluginRuntimeServices {
  readonly plugin: PluginIdentity;
  /** Logger bound to `{ plugin }`; runtimes derive per-call children with `{ tool, callId }`. */
  readonly logger: Logger;
  /** The plugin's namespaced cache. */
  readonly cache: ToolCache;
  readonly clock: Clock;
  /**
   * An HTTP client limited to the plugin's hosts (manifest + operator), bound to one call's or setup's
   * signal. With a traceparent, its requests carry it (a worker's requests run host-side, outside the
   * caller's span, so the trace context has to be handed over explicitly).
   */
  createHttpClient(signal: AbortSignal, traceparent?: string): ToolHttpClient;
}

/** How a runtime is created; the same for both modes. */
export interface PluginRuntimeOptions {
  /** file: URL of the plugin's entry module. */
  readonly entryUrl: string;
  /** Directory of the plugin's package. */
  readonly packageDir: string;
  readonly services: PluginRuntimeServices;
  /** The plugin's soft deadlines from its call policy; a worker's hard deadline is kept above them. */
  readonly timeouts?: { readonly callMs: number; readonly setupMs: number };
  /**
   * `worker` mode: run the worker process in this sandbox, starting its compiled `entryPath` there. The runtime
   * owns the sandbox from then on and disposes it with itself.
   */
  readonly sandbox?: { readonly sandbox: Sandbox; readonly entryPath: string };
  /** The environment the plugin's worker sees: the granted variables (a sandbox brings its own copy). */
  readonly environment?: Readonly<Record<string, string>>;
}

/** Builds the runtime for a mode: `inline` in the event loop, `worker` in a worker (see createPluginRuntimeFactory). */
export type PluginRuntimeFactory = (mode: IsolationMode, options: PluginRuntimeOptions) => PluginRuntime;
