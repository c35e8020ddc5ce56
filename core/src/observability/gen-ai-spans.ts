import { SpanKind, type Span } from '@opentelemetry/api';
import { withSpan } from './with-span.js';

// OpenTelemetry GenAI semantic conventions (gen_ai.*) plus Acai's own tool attributes (acai.*).
export const GEN_AI_SYSTEM = 'gen_ai.system';
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ACAI_PLUGIN_NAME = 'acai.plugin.name';
export const ACAI_PLUGIN_VERSION = 'acai.plugin.version';
export const ACAI_TOOL_NAME = 'acai.tool.name';
export const ACAI_TOOL_OUTCOME = 'acai.tool.outcome';
export const ACAI_BREAKER_STATE = 'acai.breaker.state';
export const ACAI_TENANT_ID = 'acai.tenant.id';

/** What a model call is about. */
export interface ModelCallSpanInput {
  /** Provider, e.g. "openai". */
  system: string;
  model: string;
  /** "chat" (default) or another GenAI operation name. */
  operation?: string;
}

/** What the model answered, for the span. */
export interface ModelCallSpanResult {
  inputTokens?: number;
  outputTokens?: number;
  finishReasons?: readonly string[];
  responseModel?: string;
}

/**
 * Runs one model call inside a `chat <model>` CLIENT span with GenAI attributes; record the response
 * with {@link recordModelResult}.
 */
export function withModelCallSpan<T>(input: ModelCallSpanInput, fn: (span: Span) => Promise<T>): Promise<T> {
  const operation = input.operation ?? 'chat';
  return withSpan(
    `${operation} ${input.model}`,
    { [GEN_AI_SYSTEM]: input.system, [GEN_AI_OPERATION_NAME]: operation, [GEN_AI_REQUEST_MODEL]: input.model },
    fn,
    { kind: SpanKind.CLIENT },
  );
}

/** Adds token usage and finish reasons to a model-call span. */
export function recordModelResult(span: Span, result: ModelCallSpanResult): void {
  if (result.inputTokens !== undefined) span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, result.inputTokens);
  if (result.outputTokens !== undefined) span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, result.outputTokens);
  if (result.finishReasons !== undefined) span.setAttribute(GEN_AI_RESPONSE_FINISH_REASONS, [...result.finishReasons]);
  if (result.responseModel !== undefined) span.setAttribute(GEN_AI_RESPONSE_MODEL, result.responseModel);
}

/** Which tool is being called. */
export interface ToolCallSpanInput {
  plugin: string;
  pluginVersion: string;
  /** The tool's own name inside the plugin. */
  tool: string;
}

/** Runs one tool call inside an `execute_tool <tool>` span; record the outcome with {@link recordToolOutcome}. */
export function withToolCallSpan<T>(input: ToolCallSpanInput, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan(
    `execute_tool ${input.tool}`,
    {
      [GEN_AI_OPERATION_NAME]: 'execute_tool',
      [GEN_AI_TOOL_NAME]: input.tool,
      [ACAI_PLUGIN_NAME]: input.plugin,
      [ACAI_PLUGIN_VERSION]: input.pluginVersion,
      [ACAI_TOOL_NAME]: input.tool,
    },
    fn,
  );
}

/** Adds the tool outcome (ok, timeout, breaker_open…) and the plugin's breaker state to a tool-call span. */
export function recordToolOutcome(span: Span, outcome: string, breakerState?: string): void {
  span.setAttribute(ACAI_TOOL_OUTCOME, outcome);
  if (breakerState !== undefined) span.setAttribute(ACAI_BREAKER_STATE, breakerState);
}
