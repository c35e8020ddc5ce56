import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
  ToolListChangedNotificationSchema,
  type LoggingLevel,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { McpServerConfig } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';
import { ChildProcessTransport, ServerOutputError, type SandboxedCommand } from './child-process-transport.js';

/** A server's listing is refused beyond these: a hostile server must not make the host page or store forever. */
export const MAX_LISTED_TOOLS = 1_000;
const MAX_LIST_PAGES = 100;

/** What {@link connectMcpServer} needs besides the server's address. */
export interface ConnectMcpServerOptions {
  readonly server: McpServerConfig;
  /** `clientInfo` of the initialize request. */
  readonly clientInfo: { readonly name: string; readonly version: string };
  /** Deadline for starting, initialize and the complete tools/list. */
  readonly timeoutMs: number;
  /** The largest message accepted from a stdio server. */
  readonly maxMessageBytes: number;
  /** CPU niceness of a stdio server once it answered initialize and tools/list (0: the host's priority). */
  readonly niceness: number;
  /** A stdio server starts in this sandbox. */
  readonly sandbox?: SandboxedCommand;
  readonly fetch?: typeof fetch;
  /** `plugins.config.json › name` with the server's address, for messages. */
  readonly source: string;
  readonly onStderrLine?: (line: string) => void;
  /** The server sent `notifications/tools/list_changed`. */
  readonly onToolsChanged?: () => void;
  /** The server sent a `notifications/message` log line. */
  readonly onLogMessage?: (level: LoggingLevel, data: unknown) => void;
  /** The connection ended without {@link McpConnection.close} (a stdio server exited). */
  readonly onUnexpectedClose?: (reason: string) => void;
  /** Something arrived that is not valid protocol (after the connection was set up). */
  readonly onProtocolError?: (error: Error) => void;
}

/** An initialized MCP session and the server's tools. */
export interface McpConnection {
  readonly client: Client;
  readonly serverInfo: { readonly name: string; readonly version: string; readonly title?: string | undefined };
  readonly instructions: string | undefined;
  readonly tools: readonly Tool[];
  /** Why the connection broke (exit code and last stderr line, or the protocol failure); undefined while healthy. */
  readonly failure: string | undefined;
  /** Ends the session (HTTP: DELETE as the SDK intends) and stops a stdio server with its process group. */
  close(): Promise<void>;
}

/**
 * Starts (stdio) or reaches (Streamable HTTP) an MCP server, runs initialize and lists every tool
 * (following `nextCursor`), all within one deadline. Every failure is a HostError an operator can act on:
 * HOST_PLUGIN_MCP_CONNECT_FAILED (cannot start or reach it, or it exits), HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT
 * (no answer in time), HOST_PLUGIN_MCP_PROTOCOL_ERROR (it answers with something that is not MCP).
 */
export async function connectMcpServer(options: ConnectMcpServerOptions): Promise<McpConnection> {
  const { source, server } = options;
  let lastStderrLine: string | undefined;
  let failure: string | undefined;
  let isClosing = false;
  let isConnected = false;
  let rejectEarly: ((error: HostError) => void) | undefined;
  const failEarly = new Promise<never>((_resolve, reject) => {
    rejectEarly = reject;
  });
  failEarly.catch(() => {});

  const transport: Transport =
    server.transport === 'stdio'
      ? new ChildProcessTransport({
          command: server.command,
          args: server.args,
          env: server.env,
          cwd: server.cwd,
          maxMessageBytes: options.maxMessageBytes,
          niceness: options.niceness,
          ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
          onStderrLine: (line) => {
            lastStderrLine = line;
            options.onStderrLine?.(line);
          },
        })
      : new StreamableHTTPClientTransport(new URL(server.url), {
          requestInit: { headers: { ...server.headers } },
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        });
  const client = new Client({ name: options.clientInfo.name, version: options.clientInfo.version }, { capabilities: {}, jsonSchemaValidator: tolerantValidator() });
  const describeExit = (): string => {
    const exit = transport instanceof ChildProcessTransport ? transport.exit : undefined;
    const how = exit === undefined ? 'closed the connection' : exit.signal !== null ? `was stopped by ${exit.signal}` : `exited with code ${exit.code}`;
    return `${how}${lastStderrLine === undefined ? '' : ` (last stderr line: ${lastStderrLine})`}`;
  };
  client.onerror = (error) => {
    // Transport hiccups (an HTTP server without a GET stream, a retried SSE connection) are not the server's fault.
    const isProtocolError = error instanceof ServerOutputError || /Unknown message type|unknown message ID/i.test(error.message);
    if (!isProtocolError) return;
    if (!isConnected) {
      failure = error.message;
      rejectEarly?.(new HostError('HOST_PLUGIN_MCP_PROTOCOL_ERROR', `${source}: ${error.message}. This is not an MCP server speaking the protocol on stdout, or it writes logs to stdout; fix the server.`, { cause: error }));
      return;
    }
    if (error instanceof ServerOutputError && error.isFatal) failure = error.message;
    options.onProtocolError?.(error);
  };
  client.onclose = () => {
    if (isClosing) return;
    failure ??= describeExit();
    if (!isConnected) {
      // A stdio server that exits before answering; an HTTP transport only closes after the failure that the connect reports itself.
      if (transport instanceof ChildProcessTransport) {
        rejectEarly?.(new HostError('HOST_PLUGIN_MCP_CONNECT_FAILED', `${source}: the server ${failure} before initialize finished. Run the command by hand to see why.`));
      }
      return;
    }
    options.onUnexpectedClose?.(failure);
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => options.onToolsChanged?.());
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => options.onLogMessage?.(notification.params.level, notification.params.data));

  const close = async (): Promise<void> => {
    if (isClosing) return;
    isClosing = true;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      await transport.terminateSession().catch(() => {});
    }
    await client.close().catch(() => {});
  };

  const deadline = Date.now() + options.timeoutMs;
  const remaining = (): number => Math.max(1, deadline - Date.now());
  try {
    try {
      await Promise.race([client.connect(transport, { timeout: remaining() }), failEarly]);
    } catch (error) {
      throw connectFailure(error, source, options.timeoutMs, server);
    }
    isConnected = true;
    const tools = await Promise.race([listToolsAtLoad(client, remaining, source, options.timeoutMs), failEarly]);
    if (transport instanceof ChildProcessTransport) transport.lowerPriority();
    const serverInfo = client.getServerVersion() ?? { name: 'unknown', version: '0.0.0' };
    return {
      client,
      serverInfo: { name: serverInfo.name, version: serverInfo.version, title: serverInfo.title },
      instructions: client.getInstructions(),
      tools,
      get failure() {
        return failure;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** tools/list, following cursors, within the bounds; a server without the tools capability has none. Throws McpError or Error. */
export async function listAllTools(client: Client, timeoutMs: () => number): Promise<Tool[]> {
  if (client.getServerCapabilities()?.tools === undefined) return [];
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, { timeout: timeoutMs() });
    tools.push(...result.tools);
    if (tools.length > MAX_LISTED_TOOLS) throw new Error(`the server lists more than ${MAX_LISTED_TOOLS} tools`);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  throw new Error(`tools/list kept returning a next cursor after ${MAX_LIST_PAGES} pages`);
}

/** listAllTools at load: every failure refuses the plugin with a coded message. */
async function listToolsAtLoad(client: Client, remaining: () => number, source: string, timeoutMs: number): Promise<Tool[]> {
  try {
    return await listAllTools(client, remaining);
  } catch (error) {
    if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
      throw new HostError('HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT', `${source}: tools/list was not answered within the ${timeoutMs} ms setup deadline. Raise policy.setupTimeoutMs or fix the server.`, { cause: error });
    }
    throw new HostError('HOST_PLUGIN_MCP_PROTOCOL_ERROR', `${source}: tools/list failed: ${describe(error)}. Fix the server.`, { cause: error });
  }
}

function connectFailure(error: unknown, source: string, timeoutMs: number, server: McpServerConfig): HostError {
  if (HostError.isInstance(error)) return error;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return new HostError(
      'HOST_PLUGIN_MCP_INITIALIZE_TIMEOUT',
      `${source}: the server did not answer initialize within the ${timeoutMs} ms setup deadline. Check that it is an MCP server speaking ${server.transport === 'stdio' ? 'stdio' : 'Streamable HTTP'}, or raise policy.setupTimeoutMs.`,
      { cause: error },
    );
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return new HostError('HOST_PLUGIN_MCP_CONNECT_FAILED', `${source}: the server closed the connection before initialize finished. Check that it is an MCP server.`, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (server.transport === 'stdio' && (code === 'ENOENT' || code === 'EACCES')) {
    return new HostError(
      'HOST_PLUGIN_MCP_CONNECT_FAILED',
      `${source}: cannot start "${server.command}" (${code === 'ENOENT' ? 'not found on PATH or in cwd' : 'not executable'}). Install it or fix mcp.command.`,
      { cause: error },
    );
  }
  const isNotMcp = error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError');
  if (error instanceof McpError || isNotMcp || /protocol version/i.test(describe(error))) {
    return new HostError('HOST_PLUGIN_MCP_PROTOCOL_ERROR', `${source}: initialize failed: ${describe(error)}. Fix or upgrade the server.`, { cause: error });
  }
  const status = error instanceof StreamableHTTPError && error.code !== undefined && error.code > 0 ? ` (HTTP ${error.code})` : '';
  return new HostError('HOST_PLUGIN_MCP_CONNECT_FAILED', `${source}: cannot connect${status}: ${describe(error)}. Check that the server is running and mcp.url and mcp.headers are right.`, { cause: error });
}

/** True when a Streamable HTTP server no longer knows the session (HTTP 404): the SDK's cue to initialize a new one. */
export function isSessionExpired(error: unknown): boolean {
  return error instanceof StreamableHTTPError && error.code === 404;
}

/**
 * Output schemas are checked by the SDK after each call. A server whose output schema does not compile
 * must not fail its whole tools/list: such a tool's output is passed on unchecked (the host never trusts it anyway).
 */
function tolerantValidator(): jsonSchemaValidator {
  const inner = new AjvJsonSchemaValidator();
  return {
    getValidator<T>(schema: Parameters<jsonSchemaValidator['getValidator']>[0]) {
      try {
        return inner.getValidator<T>(schema);
      } catch {
        return (input: unknown) => ({ valid: true, data: input as T, errorMessage: undefined });
      }
    },
  };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
