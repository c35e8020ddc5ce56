import { ToolError } from '@acai/plugin-sdk';
import { ErrorCode, McpError, type CallToolResult, type LoggingLevel, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { PluginMode } from '../../config/isolation-modes.js';
import type { McpServerConfig } from '../../config/plugins-config.js';
import type { PluginRuntime, RuntimeCallContext, RuntimePluginInfo, RuntimeToolOutput } from '../plugin-runtime.js';
import { restartDelay, type RestartBackoff } from '../restart-delay.js';
import type { SandboxedCommand } from './child-process-transport.js';
import { connectMcpServer, isSessionExpired, listAllTools, type McpConnection } from './connect-mcp-server.js';
import { toToolOutput } from './mcp-tool-output.js';
import { createLogThrottle, type LogThrottle } from '../log-throttle.js';

/** Host-wide settings of MCP-server plugins. */
export interface McpRuntimeSettings {
  /** After a crash (see restartDelay). */
  readonly restartBackoff: RestartBackoff;
  /** The largest message accepted from a stdio server; a larger one stops (and restarts) the server. */
  readonly maxMessageBytes: number;
  /** CPU niceness of stdio servers (and what they start), as for worker plugins; 0 keeps the host's priority. */
  readonly niceness: number;
  /** How the host introduces itself in initialize. */
  readonly clientInfo: { readonly name: string; readonly version: string };
}

/** Defaults of {@link McpRuntimeSettings} (the client version is the host's, filled in by the loader). */
export const DEFAULT_MCP_SETTINGS: Omit<McpRuntimeSettings, 'clientInfo'> = {
  restartBackoff: { initialMs: 250, maxMs: 30_000 },
  maxMessageBytes: 8 * 1024 * 1024,
  niceness: 10,
};

/** Lifecycle events of an MCP-server plugin, for logs, metrics and the admin API. */
export type McpServerEvent =
  | { readonly type: 'exited'; readonly message: string }
  | { readonly type: 'restarted'; readonly attempt: number }
  | { readonly type: 'restart-failed'; readonly attempt: number; readonly message: string; readonly retryInMs: number }
  /** The server sent `notifications/tools/list_changed` (counted; the tools may turn out unchanged). */
  | { readonly type: 'list-changed' }
  /** The server's tools differ from the loaded ones: after a list_changed (re-listed to be sure) or a restart. */
  | { readonly type: 'tools-changed'; readonly cause: 'notification' | 'restart' }
  | { readonly type: 'protocol-error'; readonly message: string };

/** Options of {@link McpPluginRuntime}. */
export interface McpPluginRuntimeOptions {
  readonly pluginName: string;
  readonly server: McpServerConfig;
  /** `plugins.config.json › name (mcp stdio node server.js)`, for messages. */
  readonly source: string;
  /** The plugin's logger; server stderr and log notifications go here (throttled, scrubbed). */
  readonly logger: Logger;
  /** Replaces the plugin's secret values in text from the server. */
  readonly scrub: (text: string) => string;
  /** The plugin's call timeout (a request deadline backs it up) and setup deadline (connect + initialize + tools/list). */
  readonly timeouts: { readonly callMs: number; readonly setupMs: number };
  readonly settings: McpRuntimeSettings;
  /** Streamable HTTP requests go through it (the host's fetch adds the trace context). */
  readonly fetch?: typeof fetch;
  readonly onEvent?: (event: McpServerEvent) => void;
  /** A stdio server runs in this sandbox (every restart too); the runtime disposes it with itself. */
  readonly sandbox?: SandboxedCommand;
}

type RuntimeState = 'idle' | 'ready' | 'restarting' | 'disposed';

/** How far the SDK's own request deadline stays behind the call path's timeout (which cancels first). */
const REQUEST_DEADLINE_MARGIN_MS = 1_000;
const MAX_LOG_DATA_CHARACTERS = 2_000;

const LOG_LEVELS: Record<LoggingLevel, 'debug' | 'info' | 'warn' | 'error'> = {
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  alert: 'error',
  emergency: 'error',
};

/**
 * A plugin whose tools live in an MCP server, behind the same {@link PluginRuntime} interface as
 * inline and worker plugins, so every call takes the host's one call path. A stdio server that exits is
 * restarted with exponential backoff (calls meanwhile fail at once as UPSTREAM_UNAVAILABLE); a Streamable
 * HTTP server whose session expired gets a new session and the call is sent once more; one that cannot
 * be reached is reconnected the same way a crashed stdio server is restarted.
 */
export class McpPluginRuntime implements PluginRuntime {
  readonly mode: PluginMode = 'external';
  readonly #options: McpPluginRuntimeOptions;
  readonly #requestTimeoutMs: number;
  readonly #logs: LogThrottle;
  #state: RuntimeState = 'idle';
  #connection: McpConnection | undefined;
  #toolsFingerprint = '';
  #renewal: Promise<McpConnection> | undefined;
  /** A re-listing after list_changed is running; notifications meanwhile ask for one more. */
  #relisting: Promise<void> | undefined;
  #isRelistDue = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #consecutiveCrashes = 0;
  #backoffUntil = 0;

  constructor(options: McpPluginRuntimeOptions) {
    this.#options = options;
    this.#requestTimeoutMs = options.timeouts.callMs + REQUEST_DEADLINE_MARGIN_MS;
    this.#logs = createLogThrottle(options.logger);
  }

  /** True from a crash (or a lost connection) until the server is back. */
  get isRestarting(): boolean {
    return this.#state === 'restarting';
  }

  // A getter, so checks after an await are not narrowed away by the compiler.
  get #isDisposed(): boolean {
    return this.#state === 'disposed';
  }

  /** What the server said about itself in initialize (after load). */
  get serverInfo(): McpConnection['serverInfo'] | undefined {
    return this.#connection?.serverInfo;
  }

  async load(): Promise<RuntimePluginInfo> {
    const connection = await this.#connect();
    if (this.#state === 'disposed') {
      await connection.close();
      throw new ToolError('UPSTREAM_UNAVAILABLE', 'the plugin was unloaded while its server started');
    }
    this.#adopt(connection);
    return {
      name: this.#options.pluginName,
      description: connection.instructions ?? `MCP server ${connection.serverInfo.name}`,
      configSchema: undefined,
      tools: connection.tools.map((tool) => ({
        name: tool.name,
        description: tool.description ?? tool.annotations?.title ?? tool.title ?? '',
        parameters: tool.inputSchema,
        idempotent: isIdempotent(tool),
      })),
    };
  }

  /** The server was initialized by load(); MCP has no separate setup step. */
  async setup(): Promise<void> {}

  async execute(toolName: string, args: unknown, context: RuntimeCallContext): Promise<RuntimeToolOutput> {
    const connection = this.#connection;
    if (this.#state !== 'ready' || connection === undefined) throw this.#unavailable();
    const params = {
      name: toolName,
      // Already in the server's own form: the call path removed strict-form nulls before validating.
      arguments: args as Record<string, unknown>,
      // W3C trace context for servers that join traces (MCP's _meta is the place for such metadata).
      ...(context.traceparent === undefined ? {} : { _meta: { traceparent: context.traceparent } }),
    };
    const signal = context.signal;
    const call = (target: McpConnection) => target.client.callTool(params, undefined, { signal, timeout: this.#requestTimeoutMs }) as Promise<CallToolResult>;
    let target = connection;
    let result: CallToolResult;
    try {
      try {
        result = await call(connection);
      } catch (error) {
        if (signal.aborted || !isSessionExpired(error)) throw error;
        // The server forgot the session (restart, expiry): the request was not processed, so it is sent once more on a new session.
        target = await this.#renewSession(connection);
        result = await call(target);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw this.#callFailure(error, target, toolName);
    }
    if (this.#consecutiveCrashes > 0) this.#consecutiveCrashes = 0;
    return toToolOutput(result, toolName);
  }

  async dispose(): Promise<void> {
    if (this.#state === 'disposed') return;
    this.#state = 'disposed';
    clearTimeout(this.#restartTimer);
    this.#logs.flush();
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.close();
    await this.#options.sandbox?.sandbox.dispose();
  }

  #connect(): Promise<McpConnection> {
    const options = this.#options;
    return connectMcpServer({
      server: options.server,
      clientInfo: options.settings.clientInfo,
      timeoutMs: options.timeouts.setupMs,
      maxMessageBytes: options.settings.maxMessageBytes,
      niceness: options.settings.niceness,
      source: options.source,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
      onStderrLine: (line) => this.#logs.write('info', { stream: 'stderr' }, options.scrub(line)),
      onLogMessage: (level, data) => this.#logs.write(LOG_LEVELS[level] ?? 'info', { stream: 'mcp-log' }, options.scrub(describeLogData(data))),
      onToolsChanged: () => {
        if (this.#state === 'disposed') return;
        options.onEvent?.({ type: 'list-changed' });
        this.#relistTools();
      },
      onProtocolError: (error) => {
        this.#logs.write('warn', { stream: 'protocol' }, options.scrub(error.message));
        options.onEvent?.({ type: 'protocol-error', message: options.scrub(error.message) });
      },
      onUnexpectedClose: (reason) => this.#onConnectionLost(reason),
    });
  }

  /** Makes `connection` the one calls use, remembering its tools' shape to notice changes after a restart. */
  #adopt(connection: McpConnection): void {
    this.#connection = connection;
    this.#state = 'ready';
    this.#toolsFingerprint = fingerprintTools(connection.tools);
  }

  #onConnectionLost(reason: string): void {
    if (this.#state !== 'ready') return;
    const lost = this.#connection;
    this.#connection = undefined;
    this.#state = 'restarting';
    const message = this.#options.scrub(reason);
    this.#options.logger.error({ reason: message }, 'the MCP server stopped; restarting it');
    this.#options.onEvent?.({ type: 'exited', message });
    void lost?.close();
    this.#scheduleRestart();
  }

  /** Schedules the next restart attempt; returns its delay. */
  #scheduleRestart(): number {
    this.#consecutiveCrashes += 1;
    const attempt = this.#consecutiveCrashes;
    const delay = restartDelay(attempt, this.#options.settings.restartBackoff);
    this.#backoffUntil = Date.now() + delay;
    this.#restartTimer = setTimeout(() => void this.#restart(attempt), delay);
    this.#restartTimer.unref();
    return delay;
  }

  async #restart(attempt: number): Promise<void> {
    if (this.#state === 'disposed') return;
    let connection: McpConnection;
    try {
      connection = await this.#connect();
    } catch (error) {
      if (this.#isDisposed) return;
      const retryInMs = this.#scheduleRestart();
      const message = this.#options.scrub(error instanceof Error ? error.message : String(error));
      this.#options.logger.error({ attempt, retryInMs, err: message }, 'restarting the MCP server failed');
      this.#options.onEvent?.({ type: 'restart-failed', attempt, message, retryInMs });
      return;
    }
    if (this.#isDisposed) {
      await connection.close();
      return;
    }
    const previousTools = this.#toolsFingerprint;
    this.#adopt(connection);
    this.#options.logger.info({ attempt }, 'the MCP server was restarted');
    this.#options.onEvent?.({ type: 'restarted', attempt });
    if (this.#toolsFingerprint !== previousTools) {
      this.#options.logger.info('the restarted MCP server lists other tools than before');
      this.#options.onEvent?.({ type: 'tools-changed', cause: 'restart' });
    }
  }

  /**
   * After list_changed: lists the tools again and reports a change only when they really differ, so a
   * server that announces changes it does not make costs one tools/list, not a reload of the plugin set.
   */
  #relistTools(): void {
    if (this.#relisting !== undefined) {
      this.#isRelistDue = true;
      return;
    }
    this.#relisting = (async () => {
      do {
        this.#isRelistDue = false;
        const connection = this.#connection;
        if (connection === undefined || this.#state !== 'ready') return;
        let tools: Tool[];
        try {
          tools = await listAllTools(connection.client, () => this.#options.timeouts.setupMs);
        } catch (error) {
          this.#options.logger.warn({ err: this.#options.scrub(String(error)) }, 'listing the tools after tools/list_changed failed; keeping the loaded ones');
          return;
        }
        if (fingerprintTools(tools) === this.#toolsFingerprint) {
          this.#options.logger.info('the MCP server announced tools/list_changed, but its tools are unchanged');
          continue;
        }
        this.#options.logger.info('the MCP server announced tools/list_changed and its tools changed');
        this.#options.onEvent?.({ type: 'tools-changed', cause: 'notification' });
        return;
      } while (this.#isRelistDue && this.#state === 'ready');
    })().finally(() => {
      this.#relisting = undefined;
    });
  }

  /** One new session for every call that found the old one expired. */
  #renewSession(expired: McpConnection): Promise<McpConnection> {
    if (this.#connection !== expired && this.#connection !== undefined) return Promise.resolve(this.#connection);
    this.#renewal ??= (async () => {
      try {
        this.#options.logger.info('the MCP session expired; starting a new one');
        void expired.close();
        const connection = await this.#connect();
        if (this.#state === 'disposed') {
          await connection.close();
          throw this.#unavailable();
        }
        this.#adopt(connection);
        return connection;
      } catch (error) {
        if (ToolError.isInstance(error)) throw error;
        // Reconnect in the background with backoff instead of trying again on every call.
        this.#onConnectionLost(`its session expired and a new one could not be started: ${error instanceof Error ? error.message : String(error)}`);
        throw new ToolError('UPSTREAM_UNAVAILABLE', `The ${this.#options.pluginName} server's session expired and a new one could not be started; the host is reconnecting.`, { cause: error });
      } finally {
        this.#renewal = undefined;
      }
    })();
    return this.#renewal;
  }

  #unavailable(): ToolError {
    if (this.#state === 'restarting') {
      const retryInMs = Math.max(0, this.#backoffUntil - Date.now());
      return new ToolError('UPSTREAM_UNAVAILABLE', `The ${this.#options.pluginName} server is restarting after it stopped; try again in a moment.`, { details: { retryInMs } });
    }
    return new ToolError('UPSTREAM_UNAVAILABLE', `The ${this.#options.pluginName} server is not running.`);
  }

  /** What the model reads when a call fails below the tool (the tool's own errors arrive as isError results). */
  #callFailure(error: unknown, connection: McpConnection, toolName: string): ToolError {
    if (ToolError.isInstance(error)) return error;
    const server = this.#options.pluginName;
    if (error instanceof McpError) {
      switch (error.code) {
        case ErrorCode.ConnectionClosed:
          return new ToolError('UPSTREAM_UNAVAILABLE', `The ${server} server stopped during the call (${connection.failure ?? 'connection closed'}); it is being restarted.`, { cause: error });
        case ErrorCode.RequestTimeout:
          return new ToolError('TIMEOUT', `The ${server} server did not answer "${toolName}" in time.`, { cause: error });
        case ErrorCode.InvalidParams:
          return new ToolError('INVALID_INPUT', `The ${server} server refused the arguments of "${toolName}": ${error.message}`, { cause: error });
        default:
          return new ToolError('UPSTREAM_FAILED', `The ${server} server answered "${toolName}" with an error: ${error.message}`, { cause: error });
      }
    }
    if (error instanceof TypeError && this.#options.server.transport === 'streamable_http') {
      // fetch could not reach the server: reconnect in the background, fail this call now.
      this.#onConnectionLost(`cannot reach ${this.#options.server.url}: ${error.message}`);
      return new ToolError('UPSTREAM_UNAVAILABLE', `The ${server} server cannot be reached; the host is reconnecting.`, { cause: error });
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return new ToolError('UPSTREAM_FAILED', `The ${server} server's answer to "${toolName}" could not be used: ${message}`, { cause: error });
  }
}

/** MCP's hints: a read-only tool, or one declared idempotent, may be retried (the hints come from the server, as trusted as its code). */
function isIdempotent(tool: Tool): boolean {
  return tool.annotations?.readOnlyHint === true || tool.annotations?.idempotentHint === true;
}

function fingerprintTools(tools: readonly Tool[]): string {
  return JSON.stringify(tools.map((tool) => [tool.name, tool.description, tool.inputSchema, tool.annotations]));
}

function describeLogData(data: unknown): string {
  const text = typeof data === 'string' ? data : JSON.stringify(data) ?? String(data);
  return text.length > MAX_LOG_DATA_CHARACTERS ? `${text.slice(0, MAX_LOG_DATA_CHARACTERS)}…` : text;
}
