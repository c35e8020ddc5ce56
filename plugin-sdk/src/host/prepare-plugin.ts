import type { ValidateFunction } from 'ajv';
import type { PluginPackageJson } from '../manifest.js';
import type { JsonSchema } from '../schema-types.js';
import type { PluginShape } from './check-plugin-definition.js';
import { createSchemaCompiler, toCheckProblems } from './create-schema-compiler.js';
import { lintStrictToolSchema } from './lint-strict-tool-schema.js';
import { formatProblems, PluginCheckError, type CheckProblem } from './plugin-check-error.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { formsOfStrictSchema, type ToolSchemaForms } from './tool-schema-forms.js';

/** A tool whose parameter schema compiled and passed the provider lint, ready to be called. */
export interface PreparedTool {
  readonly name: string;
  readonly description: string;
  /** The strict form of the parameters (OpenAI strict function calling): offered to strict endpoints, shown in listings. */
  readonly parameters: JsonSchema;
  /** The parameters with optional properties left optional: offered to endpoints that do not use strict mode. */
  readonly looseParameters: JsonSchema;
  readonly idempotent: boolean;
  /** Precompiled Ajv validator (allErrors) of the arguments in the form the tool declared. */
  readonly validate: ValidateFunction;
  /** Maps a model's arguments, in either form, to the declared form `validate` checks (see {@link ToolSchemaForms}). */
  readonly toDeclaredArguments: (args: unknown) => unknown;
  /** {@link schemaFingerprint} of `parameters`. */
  readonly fingerprint: string;
}

/** A tool disabled at load because its schema cannot be sent to the model; the rest of the plugin still loads. */
export interface QuarantinedTool {
  readonly name: string;
  readonly reason: string;
  readonly problems: readonly CheckProblem[];
}

/** A plugin after the config, secret and tool-schema checks. */
export interface PreparedPlugin {
  /** The validated config with schema defaults filled in (frozen). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly tools: readonly PreparedTool[];
  readonly quarantined: readonly QuarantinedTool[];
  /** Configured secret values (per the manifest's `secrets`) to scrub from everything the plugin returns. */
  readonly secretValues: readonly string[];
}

/**
 * Runs, in order, the checks after import: config schema (PLUGIN_SCHEMA_INVALID when the schema itself
 * does not compile, PLUGIN_CONFIG_INVALID with every Ajv error and its JSON pointer) → secrets present
 * (PLUGIN_SECRET_MISSING) → each tool schema compiles in strict mode (PLUGIN_SCHEMA_INVALID) → provider
 * lint (only the offending tool is quarantined).
 */
export function preparePlugin(
  plugin: PluginShape,
  packageJson: PluginPackageJson,
  config: Readonly<Record<string, unknown>> | undefined,
  source: string,
): PreparedPlugin {
  const compiler = createSchemaCompiler();
  const validatedConfig = validatePluginConfig(compiler, plugin, config ?? {}, source);
  const secretValues = checkSecrets(packageJson, validatedConfig, source);
  const tools: PreparedTool[] = [];
  const quarantined: QuarantinedTool[] = [];
  for (const tool of plugin.tools) {
    let validate: ValidateFunction;
    try {
      validate = compiler.compile(tool.parameters as object);
    } catch (error) {
      throw new PluginCheckError(
        'PLUGIN_SCHEMA_INVALID',
        `${source}: the parameters schema of tool "${tool.name}" is not a valid JSON Schema: ${(error as Error).message}. Fix the tool's "parameters".`,
        { cause: error },
      );
    }
    const lintProblems = lintStrictToolSchema(tool.parameters);
    if (lintProblems.length > 0) {
      quarantined.push({
        name: tool.name,
        reason: `${source}: tool "${tool.name}" is quarantined: its parameters break OpenAI's strict function-calling rules: ${formatProblems(lintProblems)}`,
        problems: lintProblems,
      });
      continue;
    }
    // Written in the strict dialect: a nullable property is an optional one, which a model may also leave out.
    const forms = formsOfStrictSchema(tool.parameters);
    tools.push({
      name: tool.name,
      description: tool.description,
      parameters: forms.strict,
      looseParameters: forms.loose,
      idempotent: tool.idempotent === true,
      validate,
      toDeclaredArguments: forms.toDeclaredArguments,
      fingerprint: schemaFingerprint(tool.parameters),
    });
  }
  return Object.freeze({ config: validatedConfig, tools, quarantined, secretValues });
}

/** Check "config schema": validates (a copy of) the operator's config, filling schema defaults. */
export function validatePluginConfig(
  compiler: ReturnType<typeof createSchemaCompiler>,
  plugin: PluginShape,
  config: Readonly<Record<string, unknown>>,
  source: string,
): Readonly<Record<string, unknown>> {
  const copy = structuredClone(config) as Record<string, unknown>;
  if (plugin.configSchema === undefined) return deepFreeze(copy);
  let validate: ValidateFunction;
  try {
    validate = compiler.compile(plugin.configSchema as object);
  } catch (error) {
    throw new PluginCheckError(
      'PLUGIN_SCHEMA_INVALID',
      `${source}: the plugin's configSchema is not a valid JSON Schema: ${(error as Error).message}. Fix "configSchema" in the plugin.`,
      { cause: error },
    );
  }
  if (!validate(copy)) {
    const problems = toCheckProblems(validate.errors);
    throw new PluginCheckError(
      'PLUGIN_CONFIG_INVALID',
      `${source}: config does not match the plugin's config schema: ${formatProblems(problems)}. Fix "config" of this plugin in plugins.config.json.`,
      { problems },
    );
  }
  return deepFreeze(copy);
}

/** Check "secrets present": every required secret is a non-empty string; returns all configured secret values. */
export function checkSecrets(packageJson: PluginPackageJson, config: Readonly<Record<string, unknown>>, source: string): string[] {
  const values: string[] = [];
  const missing: string[] = [];
  for (const secret of packageJson.acai.secrets ?? []) {
    const value = config[secret.key];
    if (typeof value === 'string' && value !== '') values.push(value);
    else if (secret.required === true) missing.push(`"${secret.key}"${secret.description ? ` (${secret.description})` : ''}`);
  }
  if (missing.length > 0) {
    throw new PluginCheckError(
      'PLUGIN_SECRET_MISSING',
      `${source}: required secret ${missing.join(', ')} is not set. Set it in the plugin's "config" in plugins.config.json, e.g. "${packageJson.acai.secrets?.find((secret) => secret.required)?.key}": "\${ENV_VAR}".`,
    );
  }
  return values;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
