import {
  createSchemaCompiler,
  formatProblems,
  formsOfPlainSchema,
  lintStrictToolSchema,
  schemaFingerprint,
  toCheckProblems,
  type PreparedTool,
  type QuarantinedTool,
} from '@acai/plugin-sdk/host';
import { Ajv } from 'ajv';
import type { RuntimeToolInfo } from '../plugin-runtime.js';

/** MCP's tool-name rule (1–128 characters; letters, digits, `_`, `-`, `.`; `/` is common in the wild). */
const MCP_TOOL_NAME_PATTERN = /^[A-Za-z0-9_./-]{1,128}$/;
/** Longer descriptions are cut: every one of them goes into every model request. */
export const MAX_TOOL_DESCRIPTION_CHARACTERS = 2_048;

/**
 * Checks schemas against the JSON Schema meta-schema. One per process: compiling the meta-schema costs
 * tens of milliseconds, which every server of a plugin set would otherwise pay again at every load.
 */
let metaSchemaChecker: Ajv | undefined;

/** An MCP server's tools after the host's checks. */
export interface PreparedMcpTools {
  readonly tools: readonly PreparedTool[];
  readonly quarantined: readonly QuarantinedTool[];
  /** Tool name → the part of its exposed name after `<plugin>__` (characters OpenAI refuses become `_`). */
  readonly exposedSegments: ReadonlyMap<string, string>;
  readonly warnings: readonly string[];
}

/**
 * The tool-schema checks of an MCP server's tools. An MCP server is not the operator's code, so a bad tool
 * never costs the other tools: each problem quarantines only that tool. In order: a valid MCP tool name,
 * listed once, a distinct exposed name; the inputSchema is valid JSON Schema (checked against the
 * meta-schema, as the server's author meant it); its strict form ({@link formsOfPlainSchema}) passes the
 * provider lint; and the schema compiles with the host's strict Ajv, which is the validator the call path
 * uses. Strict endpoints are offered the strict form, others the server's own schema; either way the
 * arguments are validated against the server's schema, a strict-form null for a left-out property removed.
 */
export function prepareMcpTools(tools: readonly RuntimeToolInfo[], source: string): PreparedMcpTools {
  metaSchemaChecker ??= new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
  const checker = metaSchemaChecker;
  // The host's strict compiler, without its own meta-schema pass (metaSchemaChecker made it). One per
  // plugin, so `$id`s of two servers never collide.
  const compiler = createSchemaCompiler({ metaSchemaCheck: 'already-checked' });
  const prepared: PreparedTool[] = [];
  const quarantined: QuarantinedTool[] = [];
  const warnings: string[] = [];
  const exposedSegments = new Map<string, string>();
  const owners = new Map<string, string>();
  const seen = new Set<string>();
  const quarantine = (name: string, why: string, problems: QuarantinedTool['problems'] = []) =>
    quarantined.push({ name, reason: `${source}: tool "${name}" is quarantined: ${why}`, problems });

  for (const tool of tools) {
    const name = tool.name;
    if (!MCP_TOOL_NAME_PATTERN.test(name)) {
      quarantine(printable(name), 'its name is not a valid MCP tool name (1–128 letters, digits, "_", "-", "." or "/")');
      continue;
    }
    if (seen.has(name)) {
      quarantine(name, 'the server lists it more than once');
      continue;
    }
    seen.add(name);
    const segment = name.replace(/[^A-Za-z0-9_-]/g, '_');
    const owner = owners.get(segment);
    if (owner !== undefined) {
      quarantine(name, `it would be exposed under the same name as tool "${owner}" (${segment})`);
      continue;
    }
    let problem: string | undefined;
    try {
      if (!checker.validateSchema(tool.parameters as object)) problem = checker.errorsText(checker.errors);
    } catch (error) {
      problem = firstLine(error);
    }
    if (problem !== undefined) {
      quarantine(name, `its inputSchema is not a valid JSON Schema: ${problem}`);
      continue;
    }
    const forms = formsOfPlainSchema(tool.parameters);
    const lintProblems = lintStrictToolSchema(forms.strict);
    if (lintProblems.length > 0) {
      quarantine(name, `its inputSchema cannot be offered in OpenAI's strict function-calling mode: ${formatProblems(lintProblems)}`, lintProblems);
      continue;
    }
    let validate;
    try {
      validate = compiler.compile(forms.declared as object);
    } catch (error) {
      quarantine(name, `its inputSchema breaks the host's strict schema rules: ${firstLine(error)}`, toCheckProblems((error as { errors?: [] }).errors));
      continue;
    }
    let description = tool.description.trim();
    if (description.length > MAX_TOOL_DESCRIPTION_CHARACTERS) {
      warnings.push(`${source}: the description of tool "${name}" was cut to ${MAX_TOOL_DESCRIPTION_CHARACTERS} characters`);
      description = `${description.slice(0, MAX_TOOL_DESCRIPTION_CHARACTERS - 1)}…`;
    }
    owners.set(segment, name);
    exposedSegments.set(name, segment);
    prepared.push({
      name,
      description: description === '' ? name : description,
      parameters: forms.strict,
      looseParameters: forms.loose,
      idempotent: tool.idempotent,
      validate,
      toDeclaredArguments: forms.toDeclaredArguments,
      fingerprint: schemaFingerprint(forms.strict),
    });
  }
  return { tools: prepared, quarantined, exposedSegments, warnings };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).slice(0, 500);
}

/** A hostile name is shown escaped and short in messages. */
function printable(name: string): string {
  const escaped = JSON.stringify(name).slice(1, -1);
  return escaped.length > 80 ? `${escaped.slice(0, 80)}…` : escaped;
}
