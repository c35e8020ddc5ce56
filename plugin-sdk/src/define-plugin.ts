import type { PluginSetupContext } from './context.js';
import type { ToolDefinition } from './define-tool.js';
import type { InferSchema, JsonSchema } from './schema-types.js';

/** Plugin names: lower-case letters, digits and dashes. */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

const BRAND = Symbol.for('acai.plugin-sdk.PluginDefinition');

/**
 * A plugin: a named set of tools with its own configuration.
 * Its version is the `version` of its package.json (declared once, read by the host).
 */
export interface PluginDefinition<ConfigSchema extends JsonSchema = JsonSchema> {
  /** Unique plugin name; the host namespaces tool names with it. */
  readonly name: string;
  /** One line for operators and for the model's tool list. */
  readonly description: string;
  /** JSON Schema of the plugin's configuration (operators set it in plugins.config.json). */
  readonly configSchema?: ConfigSchema;
  /** The tools. */
  readonly tools: ReadonlyArray<ToolDefinition<any, InferSchema<ConfigSchema>>>;
  /** Runs once after the config is validated, before any call (open clients, warm caches). */
  setup?(context: PluginSetupContext<InferSchema<ConfigSchema>>): Promise<void> | void;
  /** Runs once when the plugin is unloaded (close clients, flush). */
  dispose?(): Promise<void> | void;
}

/**
 * Declares a plugin. Export the result as the module's default export.
 *
 * @example
 * export default definePlugin({
 *   name: 'greeter',
 *   description: 'Says hello',
 *   configSchema: { type: 'object', properties: { greeting: { type: 'string' } }, additionalProperties: false },
 *   tools: [sayHello],
 * });
 */
export function definePlugin<const ConfigSchema extends JsonSchema>(
  plugin: PluginDefinition<ConfigSchema>,
): PluginDefinition<ConfigSchema> {
  Object.defineProperty(plugin, BRAND, { value: true, enumerable: false });
  return plugin;
}

/** True when `value` was made by `definePlugin` (from any copy of the SDK). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
