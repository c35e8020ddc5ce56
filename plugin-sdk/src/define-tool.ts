import type { ToolContext } from './context.js';
import type { InferSchema, JsonSchema } from './schema-types.js';

/** Tool names are snake_case verb_noun, as the model sees them (before namespacing). */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,47}$/;

/** What a tool returns: plain text for the model, or text plus structured data for the caller. */
export type ToolOutput = string | { content: string; data?: unknown };

/** A tool: one function the model can call. */
export interface ToolDefinition<Parameters extends JsonSchema = JsonSchema, Config = any> {
  /** snake_case verb_noun, unique within the plugin (e.g. `get_forecast`). */
  readonly name: string;
  /** What the tool does and when to use it; the model reads this. */
  readonly description: string;
  /** JSON Schema of the arguments. Must follow OpenAI's strict function-calling dialect. */
  readonly parameters: Parameters;
  /** Safe to retry after a transient failure (the host only retries idempotent tools). */
  readonly idempotent?: boolean;
  /** Runs the tool. Arguments are already validated against `parameters`. */
  execute(args: InferSchema<Parameters>, context: ToolContext<Config>): Promise<ToolOutput> | ToolOutput;
}

/**
 * Declares a tool; an identity function that gives `execute` typed arguments
 * inferred from the `parameters` schema.
 *
 * @example
 * export const getTime = defineTool({
 *   name: 'get_current_time',
 *   description: 'Current date and time in a time zone',
 *   parameters: {
 *     type: 'object',
 *     properties: { timeZone: { type: ['string', 'null'] } },
 *     required: ['timeZone'],
 *     additionalProperties: false,
 *   },
 *   execute: (args, ctx) => ctx.clock.now().toISOString(),
 * });
 */
export function defineTool<const Parameters extends JsonSchema, Config = any>(
  tool: ToolDefinition<Parameters, Config>,
): ToolDefinition<Parameters, Config> {
  return tool;
}
