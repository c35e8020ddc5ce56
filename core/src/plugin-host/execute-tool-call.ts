import { randomUUID } from 'node:crypto';
import { CALLER_FAULT_CODES, type ToolErrorCode, type ToolOutput } from '@acai/plugin-sdk';
import { capToolOutput, checkToolArguments, formatToolFailure, normalizeToolOutput, parseToolArguments, toToolFailure, type ToolFailure } from '@acai/plugin-sdk/host';
import type { RuntimeCallContext } from './plugin-runtime.js';
import type { RegisteredTool } from './tool-registry.js';
import type { ToolCallOutcome } from './tool-metrics.js';

/** Per-call options of {@link executeToolCall}. */
export interface ToolCallOptions {
  /** Cancels the call (e.g. the RPC was abandoned); the tool's signal fires. */
  readonly signal?: AbortSignal;
  readonly callId?: string;
  /** For logs and quotas only; never a metric label. */
  readonly tenantId?: string;
  /** W3C traceparent of the caller's span. */
  readonly traceparent?: string;
}

/** The structured result of one tool call; failures are results too, never exceptions. */
export interface ToolCallResult {
  readonly exposedName: string;
  readonly plugin?: { readonly name: string; readonly version: string };
  readonly tool?: string;
  readonly schemaFingerprint?: string;
  readonly outcome: ToolCallOutcome;
  /** What the model sees: capped (head + marker + tail) and secret-scrubbed; failures are `{"error":{...}}` JSON. */
  readonly content: string;
  /** The uncapped, scrubbed content (for storage). */
  readonly fullContent: string;
  readonly data?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
  readonly durationMs: number;
}

/** The outcome of one attempt inside the breaker. */
interface Attempt {
  readonly countsAgainstBreaker: boolean;
  readonly isRetryable: boolean;
  readonly outcome: ToolCallOutcome;
  readonly output?: { content: string; data?: unknown };
  readonly failure?: ToolFailure;
}

const RETRY_BASE_DELAY_MS = 100;

/**
 * The one path every tool call takes: parse → validate (Ajv, all errors; a tool never runs with bad
 * arguments) → bulkhead → circuit breaker → timeout that aborts the tool's signal → retry (idempotent
 * tools only) → output cap → secret scrubbing → metrics. Never throws.
 */
export async function executeToolCall(
  tool: RegisteredTool | undefined,
  exposedName: string,
  rawArguments: unknown,
  options: ToolCallOptions = {},
  availableNames?: () => readonly string[],
): Promise<ToolCallResult> {
  const startedAt = performance.now();
  if (tool === undefined) return unknownTool(exposedName, startedAt, availableNames);

  const parsed = parseToolArguments(tool.prepared.name, rawArguments);
  const invalid = parsed.ok ? checkToolArguments(tool.prepared, parsed.value) : parsed.failure;
  if (invalid !== undefined) {
    tool.metrics.validationFailures.inc();
    return finish(tool, { countsAgainstBreaker: false, isRetryable: false, outcome: 'invalid_input', failure: invalid }, startedAt, options);
  }
  const args = (parsed as { value: unknown }).value;

  const plugin = tool.plugin;
  const policy = plugin.callPolicy;
  const slot = policy.acquire();
  if (slot === false || (slot !== true && !(await slot))) {
    plugin.metrics.bulkheadRejections.inc();
    return finish(tool, rejected(plugin.name, policy.policy.maxConcurrent, policy.policy.maxQueue), startedAt, options);
  }
  let attempt: Attempt;
  try {
    const callId = options.callId ?? randomUUID();
    const maxAttempts = tool.prepared.idempotent ? policy.policy.retry.maxAttempts : 1;
    let attemptNumber = 1;
    for (;;) {
      attempt = (await policy.throughBreaker(() => runAttempt(tool, args, callId, options))) ?? breakerOpen(plugin.name);
      if (!attempt.isRetryable || attemptNumber >= maxAttempts || options.signal?.aborted) break;
      await delay(RETRY_BASE_DELAY_MS * 2 ** (attemptNumber - 1), options.signal);
      attemptNumber += 1;
    }
  } finally {
    policy.release();
  }
  return finish(tool, attempt, startedAt, options);
}

/** The RuntimeCallContext of one attempt; its AbortController (and signal) exists only once someone asks for it. */
class CallContext implements RuntimeCallContext {
  readonly callId: string;
  readonly traceparent: string | undefined;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private isAborted = false;

  constructor(callId: string, traceparent: string | undefined) {
    this.callId = callId;
    this.traceparent = traceparent;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

function runAttempt(tool: RegisteredTool, args: unknown, callId: string, options: ToolCallOptions): Promise<Attempt> {
  const timeoutMs = tool.plugin.callPolicy.policy.timeoutMs;
  const callerSignal = options.signal;
  return new Promise<Attempt>((resolve) => {
    const context = new CallContext(callId, options.traceparent);
    let isSettled = false;
    const settle = (attempt: Attempt): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      resolve(attempt);
    };
    const timer = setTimeout(() => {
      const failure: ToolFailure = { code: 'TIMEOUT', message: `The tool "${tool.prepared.name}" did not finish within ${timeoutMs} ms.` };
      context.abort(new Error(failure.message));
      settle({ countsAgainstBreaker: true, isRetryable: true, outcome: 'timeout', failure });
    }, timeoutMs);
    const onCallerAbort = (): void => {
      context.abort(callerSignal?.reason);
      settle({ countsAgainstBreaker: false, isRetryable: false, outcome: 'timeout', failure: { code: 'TIMEOUT', message: 'The tool call was cancelled.' } });
    };
    if (callerSignal !== undefined) {
      if (callerSignal.aborted) return onCallerAbort();
      callerSignal.addEventListener('abort', onCallerAbort, { once: true });
    }
    let pending: Promise<ToolOutput>;
    try {
      pending = tool.plugin.runtime.execute(tool.prepared.name, args, context);
    } catch (error) {
      return settle(classifyFailure(toToolFailure(error)));
    }
    pending.then(
      (output) => {
        const normalized = normalizeToolOutput(output);
        if ('code' in normalized) settle(classifyFailure(normalized));
        else settle({ countsAgainstBreaker: false, isRetryable: false, outcome: 'ok', output: normalized });
      },
      (error: unknown) => settle(classifyFailure(toToolFailure(error))),
    );
  });
}

/**
 * Breaker classification: caller-fault codes (INVALID_INPUT, NOT_FOUND) never count; timeouts, crashes
 * (non-ToolError throws arrive as INTERNAL), bad outputs and upstream failures do.
 */
function classifyFailure(failure: ToolFailure): Attempt {
  const code: ToolErrorCode = failure.code;
  if (CALLER_FAULT_CODES.has(code)) return { countsAgainstBreaker: false, isRetryable: false, outcome: 'invalid_input', failure };
  switch (code) {
    case 'TIMEOUT':
      return { countsAgainstBreaker: true, isRetryable: true, outcome: 'timeout', failure };
    case 'UPSTREAM_UNAVAILABLE':
      return { countsAgainstBreaker: true, isRetryable: true, outcome: 'unavailable', failure };
    case 'UPSTREAM_FAILED':
      return { countsAgainstBreaker: true, isRetryable: false, outcome: 'unavailable', failure };
    case 'RATE_LIMITED':
      return { countsAgainstBreaker: true, isRetryable: false, outcome: 'rate_limited', failure };
    default:
      return { countsAgainstBreaker: true, isRetryable: false, outcome: 'error', failure };
  }
}

function breakerOpen(pluginName: string): Attempt {
  return {
    countsAgainstBreaker: false,
    isRetryable: false,
    outcome: 'breaker_open',
    failure: {
      code: 'UPSTREAM_UNAVAILABLE',
      message: `The ${pluginName} tools are temporarily unavailable after repeated failures. Do not retry now; answer without them or tell the user to try again later.`,
    },
  };
}

function rejected(pluginName: string, maxConcurrent: number, maxQueue: number): Attempt {
  return {
    countsAgainstBreaker: false,
    isRetryable: false,
    outcome: 'rejected',
    failure: {
      code: 'RATE_LIMITED',
      message: `The ${pluginName} tools are busy (${maxConcurrent} calls running, ${maxQueue} waiting). Try again shortly.`,
    },
  };
}

function finish(tool: RegisteredTool, attempt: Attempt, startedAt: number, options: ToolCallOptions): ToolCallResult {
  const plugin = tool.plugin;
  const durationMs = performance.now() - startedAt;
  tool.metrics.duration.observe(durationMs / 1000);
  let counter = tool.metrics.outcomes.get(attempt.outcome);
  if (counter === undefined) {
    counter = tool.plugin.outcomeCounter(tool.prepared.name, attempt.outcome);
    tool.metrics.outcomes.set(attempt.outcome, counter);
  }
  counter.inc();
  plugin.calls += 1;
  const identity = { name: plugin.name, version: plugin.version };
  const base = { exposedName: tool.exposedName, plugin: identity, tool: tool.prepared.name, schemaFingerprint: tool.prepared.fingerprint };
  const output = attempt.output;
  if (output !== undefined) {
    const fullContent = plugin.hasSecrets ? plugin.scrub(output.content) : output.content;
    const content = capToolOutput(fullContent, plugin.callPolicy.policy.maxOutputBytes);
    if (output.data === undefined) return { ...base, outcome: 'ok', content, fullContent, durationMs };
    const data = plugin.hasSecrets ? (JSON.parse(plugin.scrub(JSON.stringify(output.data))) as unknown) : output.data;
    return { ...base, outcome: 'ok', content, fullContent, data, durationMs };
  }
  const failure = attempt.failure as ToolFailure;
  const message = plugin.scrub(failure.message);
  const details = failure.details === undefined || !plugin.hasSecrets ? failure.details : (JSON.parse(plugin.scrub(JSON.stringify(failure.details))) as Record<string, unknown>);
  const fullContent = formatToolFailure(details === undefined ? { code: failure.code, message } : { code: failure.code, message, details });
  if (attempt.outcome !== 'invalid_input') {
    plugin.errors += 1;
    plugin.lastError = { code: failure.code, message, at: new Date().toISOString() };
  }
  plugin.logger.warn(
    { tool: tool.prepared.name, outcome: attempt.outcome, code: failure.code, callId: options.callId, tenantId: options.tenantId, durationMs },
    `tool call failed: ${message}`,
  );
  return {
    ...base,
    outcome: attempt.outcome,
    content: capToolOutput(fullContent, plugin.callPolicy.policy.maxOutputBytes),
    fullContent,
    error: { code: failure.code, message },
    durationMs,
  };
}

function unknownTool(exposedName: string, startedAt: number, availableNames: (() => readonly string[]) | undefined): ToolCallResult {
  const names = availableNames?.() ?? [];
  const listed = names.length > 20 ? `${names.slice(0, 20).join(', ')}, …` : names.join(', ');
  const message = `There is no tool named "${exposedName}".${names.length > 0 ? ` Available tools: ${listed}.` : ''}`;
  const fullContent = formatToolFailure({ code: 'NOT_FOUND', message });
  return { exposedName, outcome: 'unknown_tool', content: fullContent, fullContent, error: { code: 'NOT_FOUND', message }, durationMs: performance.now() - startedAt };
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
