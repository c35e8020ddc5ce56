import { createHash } from 'node:crypto';
import type { JsonSchema } from '@acai/plugin-sdk';
import type { PreparedTool } from '@acai/plugin-sdk/host';
import type { Counter, Histogram } from 'prom-client';
import { HostError } from '../errors/index.js';
import type { LoadedPlugin } from './loaded-plugin.js';
import type { ToolCallOutcome } from './tool-metrics.js';

/** OpenAI function names: letters, digits, `_` and `-`, at most 64 characters. */
export const EXPOSED_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** A tool as offered to the model (OpenAI Chat Completions `tools[]` entry, strict mode). */
export interface ModelToolSpec {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description: string;
    readonly parameters: JsonSchema;
    readonly strict: true;
  };
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
 * only when a plugin's breaker state changes. Registration never overwrites: a second tool with the
 * same exposed name is refused with HOST_DUPLICATE_TOOL.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, RegisteredTool>();
  private modelTools: readonly ModelToolSpec[] = [];
  private isModelListStale = true;

  get(exposedName: string): RegisteredTool | undefined {
    return this.tools.get(exposedName);
  }

  /** Adds all tools of one plugin, or none of them when any name is taken. */
  addAll(tools: readonly RegisteredTool[]): void {
    for (const tool of tools) {
      const existing = this.tools.get(tool.exposedName);
      if (existing !== undefined) {
        throw new HostError(
          'HOST_DUPLICATE_TOOL',
          `Tool "${tool.prepared.name}" of plugin ${tool.plugin.name} would be exposed as "${tool.exposedName}", which tool "${existing.prepared.name}" of plugin ${existing.plugin.name} already uses. ` +
            'Disable one of the plugins or deny one of the tools in plugins.config.json.',
        );
      }
      if (!EXPOSED_NAME_PATTERN.test(tool.exposedName)) {
        throw new HostError('HOST_PLUGIN_MANIFEST_INVALID', `Exposed tool name "${tool.exposedName}" is not a valid function name (${EXPOSED_NAME_PATTERN}).`);
      }
    }
    for (const tool of tools) this.tools.set(tool.exposedName, tool);
    this.isModelListStale = true;
  }

  /** Tools the model may call now: all but those of plugins whose breaker is open. */
  modelToolList(): readonly ModelToolSpec[] {
    if (this.isModelListStale) {
      this.modelTools = Object.freeze([...this.tools.values()].filter((tool) => tool.plugin.isAvailable()).map((tool) => tool.spec));
      this.isModelListStale = false;
    }
    return this.modelTools;
  }

  /** Marks the model list for rebuilding (a breaker changed state). */
  invalidate(): void {
    this.isModelListStale = true;
  }

  list(): readonly RegisteredToolInfo[] {
    return [...this.tools.values()].map((tool) => ({
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
    return [...this.tools.keys()];
  }
}
