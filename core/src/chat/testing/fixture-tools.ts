// A small tool executor built from the SDK's own call-path steps (parse → Ajv validate → execute →
// structured failure), for chat tests that need tools without loading plugin packages. Suites that
// need the whole call path (policies, runtimes, provenance from a real plugin) load the plugin host.
import { ToolError, type JsonSchema } from '@acai/plugin-sdk';
import {
  checkToolArguments,
  createSchemaCompiler,
  formatToolFailure,
  formsOfStrictSchema,
  parseToolArguments,
  schemaFingerprint,
  type PreparedTool,
} from '@acai/plugin-sdk/host';
import type { ModelTool } from '../../llm/index.js';
import type { ToolCallResult, ToolExecutor } from '../../tool-calls/index.js';

/** A tool for {@link createFixtureTools}. */
export interface FixtureTool {
  readonly name: string;
  readonly description: string;
  readonly parameters: JsonSchema;
  execute(args: Record<string, unknown>, signal: AbortSignal): Promise<string> | string;
}

/** Fixture executor plus what it was asked to do. */
export interface FixtureTools extends ToolExecutor {
  readonly calls: { name: string; arguments: string }[];
}

/** The tool most chat tests offer (`fixtures__get_time`): a fixed time, a zone of at least three characters. */
export const clockTool: FixtureTool = {
  name: 'get_time',
  description: 'Current time in a time zone.',
  parameters: {
    type: 'object',
    properties: { zone: { type: 'string', minLength: 3 } },
    required: ['zone'],
    additionalProperties: false,
  },
  execute: (args) => `12:00 in ${String(args.zone)}`,
};

const OUTCOME_BY_CODE: Record<string, ToolCallResult['outcome']> = {
  INVALID_INPUT: 'invalid_input',
  TIMEOUT: 'timeout',
  UPSTREAM_UNAVAILABLE: 'unavailable',
};

/** Tools exposed under `fixtures__<name>` with the plugin identity `fixtures@1.0.0`. */
export function createFixtureTools(tools: readonly FixtureTool[]): FixtureTools {
  const compiler = createSchemaCompiler();
  const prepared = new Map<string, { tool: FixtureTool; prepared: PreparedTool }>();
  const modelTools: ModelTool[] = [];
  for (const tool of tools) {
    const exposedName = `fixtures__${tool.name}`;
    const forms = formsOfStrictSchema(tool.parameters);
    prepared.set(exposedName, {
      tool,
      prepared: {
        name: tool.name,
        description: tool.description,
        parameters: forms.strict,
        looseParameters: forms.loose,
        idempotent: true,
        validate: compiler.compile(forms.declared as object),
        toDeclaredArguments: forms.toDeclaredArguments,
        fingerprint: schemaFingerprint(tool.parameters),
      },
    });
    modelTools.push({
      type: 'function',
      function: { name: exposedName, description: tool.description, parameters: forms.strict, strict: true },
      looseParameters: forms.loose,
    });
  }
  const calls: { name: string; arguments: string }[] = [];
  return {
    calls,
    listModelTools: () => modelTools,
    describeTool: (exposedName) => {
      const entry = prepared.get(exposedName);
      return entry === undefined ? undefined : { plugin: 'fixtures', pluginVersion: '1.0.0', tool: entry.tool.name };
    },
    async callTool(exposedName, rawArguments, options) {
      calls.push({ name: exposedName, arguments: rawArguments });
      const startedAt = performance.now();
      const entry = prepared.get(exposedName);
      const base = { exposedName, durationMs: 0 };
      if (!entry) {
        return { ...base, outcome: 'unknown_tool', content: formatToolFailure({ code: 'NOT_FOUND', message: `unknown tool: ${exposedName}` }) };
      }
      const identity = {
        ...base,
        plugin: { name: 'fixtures', version: '1.0.0' },
        tool: entry.tool.name,
        schemaFingerprint: entry.prepared.fingerprint,
      };
      const parsed = parseToolArguments(exposedName, rawArguments);
      const checked = parsed.ok ? checkToolArguments(entry.prepared, parsed.value) : parsed;
      if (!checked.ok) return { ...identity, outcome: 'invalid_input', content: formatToolFailure(checked.failure), error: checked.failure };
      try {
        const content = await entry.tool.execute(checked.value as Record<string, unknown>, options.signal);
        return { ...identity, outcome: 'ok', content, durationMs: performance.now() - startedAt };
      } catch (error) {
        const code = ToolError.isInstance(error) ? error.code : 'INTERNAL';
        const message = error instanceof Error ? error.message : String(error);
        return {
          ...identity,
          outcome: OUTCOME_BY_CODE[code] ?? 'error',
          content: formatToolFailure({ code, message }),
          error: { code, message },
          durationMs: performance.now() - startedAt,
        };
      }
    },
  };
}
