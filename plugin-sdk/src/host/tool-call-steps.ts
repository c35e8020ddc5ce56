import type { ToolOutput } from '../define-tool.js';
import { ToolError, type ToolErrorCode } from '../tool-error.js';
import { toCheckProblems } from './create-schema-compiler.js';
import { formatProblems } from './plugin-check-error.js';
import type { PreparedTool } from './prepare-plugin.js';

/** A failed tool call as the model sees it. */
export interface ToolFailure {
  readonly code: ToolErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** A successful tool call. */
export interface ToolSuccess {
  readonly content: string;
  readonly data?: unknown;
}

/** The outcome of {@link parseToolArguments} and {@link checkToolArguments}. */
export type ParsedArguments = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly failure: ToolFailure };

/**
 * Parses a model's JSON argument string (an object is taken as already parsed; an empty string is `{}`).
 * A parse failure is INVALID_INPUT and the tool must not run.
 */
export function parseToolArguments(toolName: string, rawArguments: unknown): ParsedArguments {
  if (typeof rawArguments !== 'string') return { ok: true, value: rawArguments ?? {} };
  if (rawArguments.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(rawArguments) as unknown };
  } catch (error) {
    return {
      ok: false,
      failure: {
        code: 'INVALID_INPUT',
        message: `The arguments for tool "${toolName}" are not valid JSON (${(error as Error).message}). Send a JSON object matching the tool's parameters.`,
      },
    };
  }
}

/**
 * Brings parsed arguments into the form the tool declared (a model may send a strict-form `null` or
 * leave an optional property out; both mean "not given") and validates them with the tool's precompiled
 * validator. Answers the arguments the tool runs with, or an INVALID_INPUT failure listing every error
 * with its JSON pointer so a model can fix them.
 */
export function checkToolArguments(tool: PreparedTool, args: unknown): ParsedArguments {
  const declared = tool.toDeclaredArguments(args);
  if (tool.validate(declared)) return { ok: true, value: declared };
  const problems = toCheckProblems(tool.validate.errors);
  return {
    ok: false,
    failure: {
      code: 'INVALID_INPUT',
      message: `Invalid arguments for tool "${tool.name}": ${formatProblems(problems)}. Correct the arguments and call the tool again.`,
    },
  };
}

/** Turns a tool's return value into content (+ data); anything else is an INTERNAL failure. */
export function normalizeToolOutput(output: ToolOutput | unknown): ToolSuccess | ToolFailure {
  if (typeof output === 'string') return { content: output };
  if (typeof output === 'object' && output !== null && typeof (output as { content?: unknown }).content === 'string') {
    const { content, data } = output as { content: string; data?: unknown };
    return data === undefined ? { content } : { content, data };
  }
  return { code: 'INTERNAL', message: `The tool returned ${output === null ? 'null' : typeof output} instead of a string or { content }.` };
}

/** True when `value` is a {@link ToolFailure} rather than a {@link ToolSuccess}. */
export function isToolFailure(value: ToolSuccess | ToolFailure): value is ToolFailure {
  return 'code' in value;
}

/** Maps anything a tool threw to a failure: ToolErrors keep their code; other throws are INTERNAL crashes. */
export function toToolFailure(error: unknown): ToolFailure {
  if (ToolError.isInstance(error)) {
    return error.details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details: error.details };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: `The tool failed unexpectedly: ${message}` };
}

/** The JSON text a model receives for a failure: `{"error":{"code","message","details"?}}`. */
export function formatToolFailure(failure: { code: string; message: string; details?: unknown }): string {
  return JSON.stringify({ error: failure.details === undefined ? { code: failure.code, message: failure.message } : failure });
}

/**
 * Caps text at `maxBytes` UTF-8 bytes keeping the head and the tail with a marker in between,
 * so the model sees both the beginning and the end of a long result.
 */
export function capToolOutput(text: string, maxBytes: number): string {
  // Fast path: a UTF-16 string of n units never exceeds 3n UTF-8 bytes.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const marker = `\n…[${bytes.length - maxBytes} bytes truncated]…\n`;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(marker));
  const headBytes = Math.ceil((budget * 2) / 3);
  const tailBytes = budget - headBytes;
  const head = bytes.subarray(0, headBytes).toString('utf8').replace(/\uFFFD+$/u, '');
  const tail = tailBytes > 0 ? bytes.subarray(bytes.length - tailBytes).toString('utf8').replace(/^\uFFFD+/u, '') : '';
  return `${head}${marker}${tail}`;
}

/** The text every scrubbed secret is replaced with. */
export const REDACTED = '[REDACTED]';

/** Builds a function that replaces every configured secret value (≥ 4 characters) in a text with {@link REDACTED}. */
export function createSecretScrubber(secretValues: readonly string[]): (text: string) => string {
  const secrets = [...new Set(secretValues.filter((value) => value.length >= 4))].sort((left, right) => right.length - left.length);
  if (secrets.length === 0) return (text) => text;
  const pattern = new RegExp(secrets.map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => (text.length === 0 ? text : text.replace(pattern, REDACTED));
}
