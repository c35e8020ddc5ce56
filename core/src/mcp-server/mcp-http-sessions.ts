import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Logger } from 'pino';
import { countMcpRequests, type McpCaller } from './create-mcp-server.js';
import type { McpMetrics, McpSessionEndReason } from './mcp-metrics.js';
import type { McpToolCatalog } from './mcp-tool-catalog.js';

/** One MCP session over Streamable HTTP: its own SDK server and transport, bound to the caller that opened it. */
export interface McpHttpSession {
  readonly id: string;
  /** Who may use it: an API key id, or tenant and address for keyless callers. */
  readonly owner: string;
  readonly caller: McpCaller;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly server: Server;
}

/** Why a new session was not opened. */
export type McpSessionRefusal = 'sessions_full' | 'caller_sessions_full' | 'shutting_down';

/** Options for {@link McpHttpSessions}. */
export interface McpHttpSessionsOptions {
  readonly maxSessions: number;
  readonly maxSessionsPerCaller: number;
  /** A session with no request in progress and no open stream for this long is closed. */
  readonly idleMs: number;
  readonly catalog: McpToolCatalog;
  readonly createServer: (caller: McpCaller) => Server;
  readonly metrics: McpMetrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Entry {
  readonly session: McpHttpSession;
  lastActiveAt: number;
  /** Requests being handled plus open streams: a busy session is never idle. */
  busy: number;
  endReason: McpSessionEndReason | undefined;
}

/**
 * The open MCP sessions of this replica. Sessions are bounded (in total and per caller), closed after
 * an idle period, refused to any caller but the one that opened them, and closed at shutdown: first
 * their server-to-client streams (so the HTTP server can drain), then the sessions themselves.
 */
export class McpHttpSessions {
  readonly #options: McpHttpSessionsOptions;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #unsubscribe: (() => void) | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  #isDraining = false;

  constructor(options: McpHttpSessionsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** True from the start of shutdown: no new sessions or notification streams. */
  get isDraining(): boolean {
    return this.#isDraining;
  }

  /** Open sessions (initialized or being initialized). */
  get size(): number {
    return this.#entries.size;
  }

  /** Opens a session for `owner`, or says why not. It stays registered only if the client's initialize succeeds (see {@link discardUnlessInitialized}). */
  async open(owner: string, caller: McpCaller): Promise<McpHttpSession | McpSessionRefusal> {
    if (this.#isDraining) return 'shutting_down';
    if (this.#entries.size >= this.#options.maxSessions) return 'sessions_full';
    let owned = 0;
    for (const entry of this.#entries.values()) if (entry.session.owner === owner) owned += 1;
    if (owned >= this.#options.maxSessionsPerCaller) return 'caller_sessions_full';

    const id = randomUUID();
    // Responses are plain JSON: one answer per request, nothing streamed but the GET notification stream.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => id, enableJsonResponse: true });
    const server = this.#options.createServer(caller);
    const session: McpHttpSession = { id, owner, caller, transport, server };
    const entry: Entry = { session, lastActiveAt: this.#now(), busy: 0, endReason: undefined };
    this.#entries.set(id, entry);
    transport.onclose = () => this.#forget(entry);
    countMcpRequests(transport, this.#options.metrics, 'http');
    try {
      await server.connect(transport);
    } catch (error) {
      this.#entries.delete(id);
      throw error;
    }
    this.#options.metrics.sessions.inc({ transport: 'http' });
    this.#watchTools();
    return session;
  }

  /** A session by the id the client sent: refused (as if unknown) to anyone but its owner. */
  find(id: string, owner: string): McpHttpSession | 'session_not_found' | 'session_wrong_caller' {
    const entry = this.#entries.get(id);
    if (entry === undefined) return 'session_not_found';
    if (entry.session.owner !== owner) return 'session_wrong_caller';
    return entry.session;
  }

  /** Marks a session busy (a request in progress, an open stream) until the returned function is called. */
  hold(session: McpHttpSession): () => void {
    const entry = this.#entries.get(session.id);
    if (entry === undefined) return () => {};
    entry.busy += 1;
    entry.lastActiveAt = this.#now();
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      entry.busy -= 1;
      entry.lastActiveAt = this.#now();
    };
  }

  /** After the request that opened it: a session whose initialize the SDK refused is closed again. */
  async discardUnlessInitialized(session: McpHttpSession): Promise<void> {
    if (session.transport.sessionId === undefined) await this.close(session.id, 'failed_initialize');
  }

  /** Closes one session (idempotent). */
  async close(id: string, reason: McpSessionEndReason): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    entry.endReason ??= reason;
    await entry.session.server.close();
  }

  /** Closes the sessions idle for longer than the idle period; returns how many. */
  async sweep(): Promise<number> {
    const cutoff = this.#now() - this.#options.idleMs;
    const idle = [...this.#entries.values()].filter((entry) => entry.busy === 0 && entry.lastActiveAt <= cutoff);
    await Promise.all(idle.map((entry) => this.close(entry.session.id, 'idle')));
    return idle.length;
  }

  /** Sweeps idle sessions in the background until {@link closeAll}. */
  startSweeping(): void {
    if (this.#sweeper !== undefined) return;
    const everyMs = Math.max(1000, Math.min(60_000, Math.floor(this.#options.idleMs / 2)));
    this.#sweeper = setInterval(() => {
      this.sweep().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'closing idle MCP sessions failed'));
    }, everyMs);
    this.#sweeper.unref();
  }

  /**
   * Shutdown, first step: no new sessions, and every open notification stream is ended so the HTTP
   * server can drain (requests in progress still finish and answer).
   */
  drain(): void {
    this.#isDraining = true;
    for (const entry of this.#entries.values()) entry.session.transport.closeStandaloneSSEStream();
  }

  /** Shutdown, last step: closes every session. */
  async closeAll(reason: McpSessionEndReason = 'shutdown'): Promise<void> {
    this.#isDraining = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    await Promise.all([...this.#entries.keys()].map((id) => this.close(id, reason)));
  }

  #forget(entry: Entry): void {
    const id = entry.session.id;
    if (this.#entries.get(id) !== entry) return;
    this.#entries.delete(id);
    const reason = entry.endReason ?? 'deleted';
    this.#options.metrics.sessions.dec({ transport: 'http' });
    this.#options.metrics.sessionsClosed.inc({ transport: 'http', reason });
    this.#options.logger.debug({ session: id, tenant: entry.session.caller.tenantId, reason }, 'MCP session closed');
    if (this.#entries.size === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    }
  }

  // One subscription for all sessions: the catalog polls only while a session is open.
  #watchTools(): void {
    if (this.#unsubscribe !== undefined) return;
    this.#unsubscribe = this.#options.catalog.onChange(() => {
      for (const entry of this.#entries.values()) {
        entry.session.server.sendToolListChanged().catch((error: unknown) => {
          this.#options.logger.debug({ err: error, session: entry.session.id }, 'MCP tools/list_changed not delivered');
        });
      }
    });
  }
}
