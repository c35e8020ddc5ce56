import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RegisteredToolInfo } from '../plugin-host/index.js';

/** What the catalog reads from the plugin host (a plain or a reloadable one). */
export interface McpToolSource {
  /** The tools offered to a model now: a new array whenever that set may have changed (reload, breaker). */
  listModelTools(): readonly unknown[];
  listTools(): readonly RegisteredToolInfo[];
}

/** Options for {@link McpToolCatalog}. */
export interface McpToolCatalogOptions {
  /** How often subscribers' catalog looks for a changed tool set. Default 1000 ms. */
  readonly pollMs?: number;
}

const DEFAULT_POLL_MS = 1000;

/**
 * The plugin host's tools as MCP lists them: the tools a model may call now (a plugin whose breaker is
 * open is left out, like for the chat loop), with the input schemas the loader validated, and a change
 * signal for `notifications/tools/list_changed`.
 *
 * The change signal polls the host's precomputed model tool list, whose identity changes only when a
 * reload, an enable/disable or a breaker transition rebuilt it: one reference comparison per tick, shared
 * by every MCP session, and no hook into the loader. The MCP list is rebuilt only when that happens.
 */
export class McpToolCatalog {
  readonly #source: McpToolSource;
  readonly #pollMs: number;
  readonly #listeners = new Set<() => void>();
  #offered: readonly unknown[] | undefined;
  #tools: readonly Tool[] = [];
  #signature = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(source: McpToolSource, options: McpToolCatalogOptions = {}) {
    this.#source = source;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  }

  /** The tools to list now. */
  list(): readonly Tool[] {
    this.#refresh();
    return this.#tools;
  }

  /**
   * Calls `listener` whenever the listed tools change (names, descriptions, schemas, availability);
   * returns the function that unsubscribes. Polling runs only while someone listens.
   */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (this.#timer === undefined) {
      this.#refresh();
      this.#timer = setInterval(() => this.#refresh(), this.#pollMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  #refresh(): void {
    const offered = this.#source.listModelTools();
    if (offered === this.#offered) return;
    this.#offered = offered;
    const tools = this.#source.listTools().filter((tool) => tool.available).map(toMcpTool);
    const signature = JSON.stringify(tools);
    if (signature === this.#signature) return;
    const isFirst = this.#signature === '';
    this.#tools = Object.freeze(tools);
    this.#signature = signature;
    // Whoever noticed the change (a poll tick or a tools/list), every subscriber hears of it.
    if (!isFirst) for (const listener of [...this.#listeners]) listener();
  }
}

/** One registered tool as an MCP `Tool`. */
export function toMcpTool(info: RegisteredToolInfo): Tool {
  return {
    name: info.exposedName,
    description: info.description,
    // The loader compiled the schema and its strict lint guarantees an object root.
    inputSchema: info.parameters as Tool['inputSchema'],
    // Only what the plugin declared: "safe to retry" is MCP's idempotentHint; nothing else is known.
    ...(info.idempotent ? { annotations: { idempotentHint: true } } : {}),
    _meta: { 'acai/plugin': info.plugin, 'acai/plugin_version': info.pluginVersion, 'acai/tool': info.tool },
  };
}
