/**
 * Why a plugin was refused by a load-time check. Hosts map each code to their own error family
 * (the Acai host prefixes it with `HOST_`, e.g. `PLUGIN_CONFIG_INVALID` → `HOST_PLUGIN_CONFIG_INVALID`).
 */
export type PluginCheckCode =
  | 'PLUGIN_MANIFEST_INVALID'
  | 'PLUGIN_VERSION_MISMATCH'
  | 'PLUGIN_SDK_MISMATCH'
  | 'PLUGIN_HOST_MISMATCH'
  | 'PLUGIN_CONFIG_INVALID'
  | 'PLUGIN_SECRET_MISSING'
  | 'PLUGIN_SCHEMA_INVALID'
  | 'DUPLICATE_TOOL';

/** One problem found by a check, located by a JSON pointer into the checked document. */
export interface CheckProblem {
  /** JSON pointer (RFC 6901) into the checked document; empty string for the root. */
  readonly pointer: string;
  readonly message: string;
}

const BRAND = Symbol.for('acai.plugin-sdk.PluginCheckError');

/** A failed load-time check; the message names both sides and the fix. */
export class PluginCheckError extends Error {
  /** Which check failed. */
  readonly code: PluginCheckCode;
  /** Every problem the check found (e.g. all Ajv errors), for reports. */
  readonly problems: readonly CheckProblem[];
  readonly [BRAND] = true;

  constructor(code: PluginCheckCode, message: string, options: { problems?: readonly CheckProblem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginCheckError';
    this.code = code;
    this.problems = options.problems ?? [];
  }

  /** True for any PluginCheckError, including one made by another copy of the SDK. */
  static isInstance(value: unknown): value is PluginCheckError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Renders problems as `"/a/b: message; /c: message"` (the root shows as `(root)`). */
export function formatProblems(problems: readonly CheckProblem[]): string {
  return problems.map((problem) => `${problem.pointer === '' ? '(root)' : problem.pointer}: ${problem.message}`).join('; ');
}
