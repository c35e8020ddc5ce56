import { createHash } from 'node:crypto';
import type { JsonSchema } from '@acai/plugin-sdk';
import type { PreparedTool } from '@acai/plugin-sdk/host';
import type { Counter, Histogram } from 'prom-client';
import { HostError } from '../errors/index.js';
import type { ToolCallOutcome, ToolProvenance } from '../tool-calls/index.js';
import type { LoadedPlugin } from './loaded-plugin.js';

/** OpenAI function names: letters, digits, `_` and `-`, at most 64 characters. */
export const EXPOSED_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * A tool as offered to the model: the OpenAI Chat Completions `tools[]` entry in strict mode, and the
 * loose parameters the model client offers instead to an endpoint that does not use strict mode.
 */
export interface ModelToolSpec {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description: string;
    readonly parameters: JsonSchema;
    readonly strict: true;
  };
  readonly looseParameters: JsonSchema;
}

/** A registered tool, for listings (CLI, admin API, system prompt). */
export interface RegisteredToolInfo {
  readonly exposedName: string;
  readonly plugin: string;
  readonly pluginVersion: string;
  readonly tool: string;
  readonly description: string;
  readonly parameters: JsonSchema;
  readonly schemaFingerprint: string;
  readonly idempotent: boolean;
  /** False while the plugin's breaker is open. */
  readonly available: boolean;
}

/** One callable tool with everything the call path needs precomputed. */
export interface RegisteredTool {
  readonly exposedName: string;
  readonly plugin: LoadedPlugin;
  readonly prepared: PreparedTool;
  readonly spec: ModelToolSpec;
  /** Plugin, version and tool name, frozen at registration: what describeTool answers, without allocating. */
  readonly provenance: ToolProvenance;
  readonly metrics: {
    readonly duration: Histogram.Internal<'plugin' | 'tool'>;
    readonly validationFailures: Counter.Internal;
    /** Counter children by outcome, bound on first use. */
    readonly outcomes: Map<ToolCallOutcome, Counter.Internal>;
  };
}

/** `<plugin>__<tool>`, shortened with a hash when longer than OpenAI's 64 characters. */
export function exposedToolName(pluginName: string, toolName: string): string {
  const name = `${pluginName}__${toolName}`;
  if (name.length <= 64) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 64 - hash.length - 1)}_${hash}`;
}

/**
 * Exposed name → tool, with O(1) lookup and the model's tool list precomputed; the list is rebuilt
 * only when a plugin's breaker state changes. It is the host's one index of tools: calls, listings
 * and describeTool all read it.
 *
 * It also owns the check "no exposed-name collisions": the loader claims a plugin's names as soon as
 * its checks pass (in config order, before any setup runs) and registers the tools once setup
 * succeeded. A name is never overwritten: a second claim is refused with HOST_DUPLICATE_TOOL.
 */
export class ToolRegistry {
  readonly #tools = new Map<string, RegisteredTool>();
  /** Exposed name → the tool that claimed it (registered or still in setup). */
  readonly #claims = new Map<string, RegisteredTool>();
  #modelTools: readonly ModelToolSpec[] = [];
  #isModelListStale = true;

  get(exposedName: string): RegisteredTool | undefined {
    return this.#tools.get(exposedName);
  }

  /** Which plugin serves a registered tool; undefined for any other name. */
  describe(exposedName: string): ToolProvenance | undefined {
    return this.#tools.get(exposedName)?.provenance;
  }

  /**
   * Claims the exposed names of one plugin's tools, or none of them when any name is invalid or
   * already claimed by another tool (of another plugin, or of this batch). Claiming the same tools
   * again changes nothing. `source` names the plugin in the refusal (`plugins.config.json › name`).
   */
  claim(tools: readonly RegisteredTool[], source: string): void {
    const batch = new Map<string, RegisteredTool>();
    for (const tool of tools) {
      const owner = this.#claims.get(tool.exposedName) ?? batch.get(tool.exposedName);
      if (owner !== undefined && owner !== tool) {
        throw new HostError(
          'HOST_DUPLICATE_TOOL',
          `${source}: tool "${tool.prepared.name}" would be exposed as "${tool.exposedName}", which tool "${owner.prepared.name}" of plugin ${owner.plugin.name} already uses. ` +
            'Disable one of the plugins or deny one of the tools in plugins.config.json.',
        );
      }
      if (!EXPOSED_NAME_PATTERN.test(tool.exposedName)) {
        throw new HostError('HOST_PLUGIN_MANIFEST_INVALID', `${source}: exposed tool name "${tool.exposedName}" is not a valid function name (${EXPOSED_NAME_PATTERN}).`);
      }
      batch.set(tool.exposedName, tool);
    }
    for (const tool of tools) this.#claims.set(tool.exposedName, tool);
  }

  /** Gives back the names a plugin claimed but never registered (it failed after its claim), so another release of it may claim them. */
  releaseUnregistered(pluginName: string): void {
    for (const [exposedName, tool] of this.#claims) {
      if (tool.plugin.name === pluginName && this.#tools.get(exposedName) !== tool) this.#claims.delete(exposedName);
    }
  }

  /** Gives up the claims of tools that will not be registered (their plugin's start failed), so a later attempt can claim them again. */
  release(tools: readonly RegisteredTool[]): void {
    for (const tool of tools) {
      if (this.#claims.get(tool.exposedName) === tool && this.#tools.get(tool.exposedName) !== tool) this.#claims.delete(tool.exposedName);
    }
  }

  /** Registers one plugin's tools (claiming their names first if the loader has not), or none of them. */
  addAll(tools: readonly RegisteredTool[], source: string): void {
    this.claim(tools, source);
    for (const tool of tools) this.#tools.set(tool.exposedName, tool);
    this.#isModelListStale = true;
  }

  /** Tools the model may call now: all but those of plugins whose breaker is open. */
  modelToolList(): readonly ModelToolSpec[] {
    if (this.#isModelListStale) {
      this.#modelTools = Object.freeze([...this.#tools.values()].filter((tool) => tool.plugin.isAvailable()).map((tool) => tool.spec));
      this.#isModelListStale = false;
    }
    return this.#modelTools;
  }

  /** Marks the model list for rebuilding (a breaker changed state). */
  invalidate(): void {
    this.#isModelListStale = true;
  }

  list(): readonly RegisteredToolInfo[] {
    return [...this.#tools.values()].map((tool) => ({
      exposedName: tool.exposedName,
      plugin: tool.plugin.name,
      pluginVersion: tool.plugin.version,
      tool: tool.prepared.name,
      description: tool.prepared.description,
      parameters: tool.prepared.parameters,
      schemaFingerprint: tool.prepared.fingerprint,
      idempotent: tool.prepared.idempotent,
      available: tool.plugin.isAvailable(),
    }));
  }

  names(): string[] {
    return [...this.#tools.keys()];
  }
}
