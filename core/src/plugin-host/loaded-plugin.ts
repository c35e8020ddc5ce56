import type { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { PluginMode } from '../config/isolation-modes.js';
import type { PluginEntryConfig } from '../config/plugins-config.js';
import type { PluginCallPolicy } from './plugin-call-policy.js';
import type { PluginRuntime } from './plugin-runtime.js';
import type { ToolCallOutcome } from '../tool-calls/index.js';

/** The last failure of a plugin, for status listings. */
export interface PluginLastError {
  readonly code: string;
  readonly message: string;
  readonly at: string;
}

/** A plugin that passed every load check: its runtime, call policy and counters. */
export class LoadedPlugin {
  readonly name: string;
  readonly version: string;
  /** `{ name, version }`, shared by every result of this plugin. */
  readonly identity: { readonly name: string; readonly version: string };
  readonly mode: PluginMode;
  readonly entry: PluginEntryConfig;
  readonly runtime: PluginRuntime;
  readonly callPolicy: PluginCallPolicy;
  /** Replaces the plugin's configured secret values in any text. */
  readonly scrub: (text: string) => string;
  readonly hasSecrets: boolean;
  readonly logger: Logger;
  readonly metrics: {
    readonly calls: Counter<'plugin' | 'tool' | 'outcome'>;
    readonly bulkheadRejections: Counter.Internal;
    readonly breakerState: Gauge.Internal<'plugin'>;
  };
  calls = 0;
  errors = 0;
  lastError: PluginLastError | undefined;

  constructor(fields: {
    name: string;
    version: string;
    mode: PluginMode;
    entry: PluginEntryConfig;
    runtime: PluginRuntime;
    callPolicy: PluginCallPolicy;
    scrub: (text: string) => string;
    hasSecrets: boolean;
    logger: Logger;
    metrics: LoadedPlugin['metrics'];
  }) {
    this.name = fields.name;
    this.version = fields.version;
    this.identity = Object.freeze({ name: fields.name, version: fields.version });
    this.mode = fields.mode;
    this.entry = fields.entry;
    this.runtime = fields.runtime;
    this.callPolicy = fields.callPolicy;
    this.scrub = fields.scrub;
    this.hasSecrets = fields.hasSecrets;
    this.logger = fields.logger;
    this.metrics = fields.metrics;
  }

  /** The calls counter child for one tool and outcome. */
  outcomeCounter(toolName: string, outcome: ToolCallOutcome): Counter.Internal {
    return this.metrics.calls.labels(this.name, toolName, outcome);
  }

  /** False while the breaker is open (tools are hidden from the model). */
  isAvailable(): boolean {
    return this.callPolicy.breakerState !== 'open';
  }
}
