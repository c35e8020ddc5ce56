import { PLUGIN_NAME_PATTERN, type PluginDefinition } from '../define-plugin.js';
import { TOOL_NAME_PATTERN } from '../define-tool.js';
import type { JsonSchema } from '../schema-types.js';
import { formatProblems, PluginCheckError, type CheckProblem } from './plugin-check-error.js';

/** The declared shape of a tool, without its code (what a host learns after importing a plugin). */
export interface ToolShape {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
  readonly idempotent?: boolean;
}

/** The declared shape of a plugin, without its code. */
export interface PluginShape {
  readonly name: string;
  readonly description: string;
  readonly configSchema?: JsonSchema | undefined;
  readonly tools: readonly ToolShape[];
}

/**
 * Check "plugin shape": the entry's default export is a plugin (name, description, tools with
 * snake_case names, descriptions, parameter schemas and `execute` functions). Tool names must be
 * unique within the plugin (DUPLICATE_TOOL); everything else is PLUGIN_MANIFEST_INVALID.
 */
export function checkPluginDefinition(value: unknown, source: string): PluginDefinition {
  const problems: CheckProblem[] = [];
  if (typeof value !== 'object' || value === null) {
    throw new PluginCheckError(
      'PLUGIN_MANIFEST_INVALID',
      `${source}: the entry's default export is ${value === null ? 'null' : typeof value}, not a plugin. Export \`definePlugin({...})\` as the default export.`,
    );
  }
  const plugin = value as Record<string, unknown>;
  if (typeof plugin['name'] !== 'string' || !PLUGIN_NAME_PATTERN.test(plugin['name'])) {
    problems.push({ pointer: '/name', message: `must match ${PLUGIN_NAME_PATTERN} (got ${JSON.stringify(plugin['name'])})` });
  }
  if (typeof plugin['description'] !== 'string' || plugin['description'].trim() === '') {
    problems.push({ pointer: '/description', message: 'must be a non-empty string' });
  }
  const configSchema = plugin['configSchema'];
  if (configSchema !== undefined && (typeof configSchema !== 'object' || configSchema === null || Array.isArray(configSchema))) {
    problems.push({ pointer: '/configSchema', message: 'must be a JSON Schema object' });
  }
  for (const hook of ['setup', 'dispose'] as const) {
    if (plugin[hook] !== undefined && typeof plugin[hook] !== 'function') problems.push({ pointer: `/${hook}`, message: 'must be a function' });
  }
  const tools = plugin['tools'];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  if (!Array.isArray(tools)) {
    problems.push({ pointer: '/tools', message: 'must be an array of tools' });
  } else {
    tools.forEach((tool: unknown, index) => {
      const pointer = `/tools/${index}`;
      if (typeof tool !== 'object' || tool === null) {
        problems.push({ pointer, message: 'must be a tool made with defineTool' });
        return;
      }
      const entry = tool as Record<string, unknown>;
      const name = entry['name'];
      if (typeof name !== 'string' || !TOOL_NAME_PATTERN.test(name)) {
        problems.push({ pointer: `${pointer}/name`, message: `must be snake_case matching ${TOOL_NAME_PATTERN} (got ${JSON.stringify(name)})` });
      } else if (seen.has(name)) {
        duplicates.push(name);
      } else {
        seen.add(name);
      }
      if (typeof entry['description'] !== 'string' || entry['description'].trim() === '') {
        problems.push({ pointer: `${pointer}/description`, message: 'must be a non-empty string' });
      }
      const parameters = entry['parameters'];
      if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
        problems.push({ pointer: `${pointer}/parameters`, message: 'must be a JSON Schema object' });
      }
      if (typeof entry['execute'] !== 'function') problems.push({ pointer: `${pointer}/execute`, message: 'must be a function' });
      if (entry['idempotent'] !== undefined && typeof entry['idempotent'] !== 'boolean') {
        problems.push({ pointer: `${pointer}/idempotent`, message: 'must be a boolean' });
      }
    });
  }
  if (problems.length > 0) {
    throw new PluginCheckError(
      'PLUGIN_MANIFEST_INVALID',
      `${source}: the default export is not a valid plugin: ${formatProblems(problems)}. Build it with definePlugin/defineTool from @acai/plugin-sdk.`,
      { problems },
    );
  }
  if (duplicates.length > 0) {
    throw new PluginCheckError(
      'DUPLICATE_TOOL',
      `${source}: tool name${duplicates.length > 1 ? 's' : ''} ${duplicates.map((name) => `"${name}"`).join(', ')} declared more than once. Give every tool of a plugin a unique name.`,
    );
  }
  return value as PluginDefinition;
}
