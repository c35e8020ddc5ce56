import { randomUUID } from 'node:crypto';
import { CALLER_FAULT_CODES, type ToolErrorCode } from '@acai/plugin-sdk';
import { capToolOutput, checkToolArguments, formatToolFailure, parseToolArguments, toToolFailure, type ToolFailure } from '@acai/plugin-sdk/host';
import { isToolCallError, type ToolCallOptions, type ToolCallOutcome, type ToolCallResult, type ToolImage } from '../tool-calls/index.js';
import { InconclusiveAttempt } from './plugin-call-policy.js';
import type { RuntimeCallContext, RuntimeToolOutput } from './plugin-runtime.js';
import type { RegisteredTool } from './tool-registry.js';
import { checkToolResult, copyAsJsonData, isRefusedToolResult } from './tool-result-data.js';

/** The outcome of one attempt inside the breaker. */
interface Attempt {
  readonly countsAgainstBreaker: boolean;
  readonly isRetryable: boolean;
  readonly outcome: ToolCallOutcome;
  readonly output?: { content: string; data?: unknown; images?: readonly ToolImage[] | undefined };
  readonly failure?: ToolFailure;
}

const RETRY_BASE_DELAY_MS = 100;

/**
 * A call its caller stopped (the client went away, or the request deadline passed): no error of the
 * plugin's, so it is counted neither by the breaker nor in the plugin's errors; its own timeout still is.
 */
const CANCELLED: Attempt = Object.freeze({
  countsAgainstBreaker: false,
  isRetryable: false,
  outcome: 'cancelled',
  failure: Object.freeze({ code: 'TIMEOUT', message: 'The tool call was cancelled.' }),
});

// Call ids: a random per-process prefix plus a counter, unique without a UUID per call.
const CALL_ID_PREFIX = randomUUID().slice(0, 8);
let callCounter = 0;

function nextCallId(): string {
  callCounter += 1;
  return `${CALL_ID_PREFIX}-${callCounter.toString(36)}`;
}

/**
 * The one path every tool call takes: parse → the declared form (an optional argument may be left out
 * or sent as null) → validate (Ajv, all errors; a tool never runs with bad arguments) → bulkhead → circuit breaker → timeout that aborts the tool's signal → retry (idempotent
 * tools only) → output cap → secret scrubbing → metrics. Never throws.
 */
export async function executeToolCall(
  tool: RegisteredTool | undefined,
  exposedName: string,
  rawArguments: unknown,
  options: Partial<ToolCallOptions> = {},
  availableNames?: () => readonly string[],
): Promise<ToolCallResult> {
  const startedAt = performance.now();
  if (tool === undefined) return unknownTool(exposedName, startedAt, availableNames);

  const parsed = parseToolArguments(tool.prepared.name, rawArguments);
  const checked = parsed.ok ? checkToolArguments(tool.prepared, parsed.value) : parsed;
  if (!checked.ok) {
    tool.metrics.validationFailures.inc();
    return finish(tool, { countsAgainstBreaker: false, isRetryable: false, outcome: 'invalid_input', failure: checked.failure }, startedAt, options);
  }
  const args = checked.value;

  const plugin = tool.plugin;
  const policy = plugin.callPolicy;
  const slot = policy.acquire();
  if (slot === false || (slot !== true && !(await slot))) {
    plugin.metrics.bulkheadRejections.inc();
    return finish(tool, rejected(plugin.name, policy.policy.maxConcurrent, policy.policy.maxQueue), startedAt, options);
  }
  let attempt: Attempt;
  try {
    const callId = options.callId ?? nextCallId();
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

/**
 * One attempt: it is the tool's RuntimeCallContext and owns the attempt's deadline. Its AbortController
 * (and signal) exist only once the tool asks for the signal or the attempt is aborted, and the timer
 * callback is a shared function, so a fast call allocates little besides this object.
 */
class AttemptRun implements RuntimeCallContext {
  readonly callId: string;
  readonly traceparent: string | undefined;
  readonly tool: RegisteredTool;
  readonly callerSignal: AbortSignal | undefined;
  resolve!: (attempt: Attempt) => void;
  reject!: (inconclusive: InconclusiveAttempt<Attempt>) => void;
  timer: NodeJS.Timeout | undefined;
  isSettled = false;
  #controller: AbortController | undefined;
  #isAborted = false;
  #abortReason: unknown;

  constructor(tool: RegisteredTool, callId: string, options: Partial<ToolCallOptions>) {
    this.tool = tool;
    this.callId = callId;
    this.traceparent = options.traceparent;
    this.callerSignal = options.signal;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#isAborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    this.#isAborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  settle(attempt: Attempt): void {
    if (this.#end()) this.resolve(attempt);
  }

  // Rejected rather than resolved, so the breaker leaves it out (see InconclusiveAttempt).
  readonly onCallerAbort = (): void => {
    this.abort(this.callerSignal?.reason);
    if (this.#end()) this.reject(new InconclusiveAttempt(CANCELLED));
  };

  /** Ends the attempt once: false when it had already ended. */
  #end(): boolean {
    if (this.isSettled) return false;
    this.isSettled = true;
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    return true;
  }
}

function onAttemptTimeout(run: AttemptRun): void {
  const failure: ToolFailure = { code: 'TIMEOUT', message: `The tool "${run.tool.prepared.name}" did not finish within ${run.tool.plugin.callPolicy.policy.timeoutMs} ms.` };
  run.abort(new Error(failure.message));
  run.settle({ countsAgainstBreaker: true, isRetryable: true, outcome: 'timeout', failure });
}

function runAttempt(tool: RegisteredTool, args: unknown, callId: string, options: Partial<ToolCallOptions>): Promise<Attempt> {
  const run = new AttemptRun(tool, callId, options);
  const promise = new Promise<Attempt>((resolve, reject) => {
    run.resolve = resolve;
    run.reject = reject;
  });
  const callerSignal = options.signal;
  if (callerSignal !== undefined) {
    if (callerSignal.aborted) {
      run.onCallerAbort();
      return promise;
    }
    callerSignal.addEventListener('abort', run.onCallerAbort, { once: true });
  }
  run.timer = setTimeout(onAttemptTimeout, tool.plugin.callPolicy.policy.timeoutMs, run);
  let pending: Promise<RuntimeToolOutput>;
  try {
    pending = tool.plugin.runtime.execute(tool.prepared.name, args, run);
  } catch (error) {
    run.settle(classifyFailure(toFailure(error)));
    return promise;
  }
  void settleWhenDone(run, pending);
  return promise;
}

async function settleWhenDone(run: AttemptRun, pending: Promise<RuntimeToolOutput>): Promise<void> {
  let output: RuntimeToolOutput;
  try {
    output = await pending;
  } catch (error) {
    run.settle(classifyFailure(toFailure(error)));
    return;
  }
  if (run.isSettled) return;
  // Every mode's result is checked here, the same way: data that is not JSON is the tool's error, not the request's.
  const plugin = run.tool.plugin;
  const checked = checkToolResult(output, undefined, plugin.hasSecrets ? plugin.scrub : undefined);
  if (isRefusedToolResult(checked)) {
    run.settle(classifyFailure(checked));
    return;
  }
  // Images come only from MCP runtimes, which checked them (the SDK's ToolOutput has none).
  const images = plugin.mode === 'external' ? runtimeImages(output) : undefined;
  run.settle({ countsAgainstBreaker: false, isRetryable: false, outcome: 'ok', output: images === undefined ? checked : { ...checked, images } });
}

function runtimeImages(output: RuntimeToolOutput): readonly ToolImage[] | undefined {
  if (typeof output !== 'object' || output === null || !('images' in output)) return undefined;
  return Array.isArray(output.images) && output.images.length > 0 ? output.images : undefined;
}

/** Anything a tool threw as a failure, even a value whose toString throws (the call path must not). */
function toFailure(error: unknown): ToolFailure {
  try {
    return toToolFailure(error);
  } catch {
    return { code: 'INTERNAL', message: 'The tool failed unexpectedly with a value that cannot be described.' };
  }
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

function finish(tool: RegisteredTool, attempt: Attempt, startedAt: number, options: Partial<ToolCallOptions>): ToolCallResult {
  const plugin = tool.plugin;
  const durationMs = performance.now() - startedAt;
  tool.metrics.duration.observe(durationMs / 1000);
  let counter = tool.metrics.outcomes.get(attempt.outcome);
  if (counter === undefined) {
    counter = plugin.outcomeCounter(tool.prepared.name, attempt.outcome);
    tool.metrics.outcomes.set(attempt.outcome, counter);
  }
  counter.inc();
  plugin.calls += 1;
  const maxOutputBytes = plugin.callPolicy.policy.maxOutputBytes;
  const output = attempt.output;
  if (output !== undefined) {
    const fullContent = plugin.hasSecrets ? plugin.scrub(output.content) : output.content;
    // Already a plain JSON copy with the secrets scrubbed (checkToolResult).
    const data = output.data;
    // One literal with a fixed shape: the hot path allocates exactly this object.
    return {
      exposedName: tool.exposedName,
      plugin: plugin.identity,
      tool: tool.prepared.name,
      schemaFingerprint: tool.prepared.fingerprint,
      outcome: 'ok',
      content: capToolOutput(fullContent, maxOutputBytes),
      fullContent,
      data,
      images: output.images,
      error: undefined,
      durationMs,
    };
  }
  const failure = attempt.failure as ToolFailure;
  const message = plugin.scrub(failure.message);
  // Details are written into the model's text, so ones that cannot be written as JSON are left out.
  const details = failure.details === undefined ? undefined : scrubbedDetails(plugin, failure.details);
  const fullContent = formatToolFailure(details === undefined ? { code: failure.code, message } : { code: failure.code, message, details });
  // One definition of an error, shared with the console's metrics page (tool-calls/tool-call-error-outcomes.ts).
  if (isToolCallError(attempt.outcome)) {
    plugin.errors += 1;
    plugin.lastError = { code: failure.code, message, at: new Date().toISOString() };
  }
  // A caller that went away (or ran out its deadline) stopped the call: an ordinary end, not the tool's failure.
  const level = options.signal?.aborted === true ? 'info' : 'warn';
  plugin.logger[level](
    { tool: tool.prepared.name, outcome: attempt.outcome, code: failure.code, callId: options.callId, tenantId: options.tenantId, durationMs },
    `tool call failed: ${message}`,
  );
  return {
    exposedName: tool.exposedName,
    plugin: plugin.identity,
    tool: tool.prepared.name,
    schemaFingerprint: tool.prepared.fingerprint,
    outcome: attempt.outcome,
    content: capToolOutput(fullContent, maxOutputBytes),
    fullContent,
    data: undefined,
    images: undefined,
    error: { code: failure.code, message },
    durationMs,
  };
}

/** A failure's details as a plain JSON copy with the plugin's secrets scrubbed (keys too); undefined when they are not JSON. */
function scrubbedDetails(plugin: RegisteredTool['plugin'], details: Record<string, unknown>): Record<string, unknown> | undefined {
  const copy = copyAsJsonData(details, undefined, plugin.hasSecrets ? plugin.scrub : undefined);
  return copy.ok && typeof copy.value === 'object' && copy.value !== null && !Array.isArray(copy.value) ? (copy.value as Record<string, unknown>) : undefined;
}

function unknownTool(exposedName: string, startedAt: number, availableNames: (() => readonly string[]) | undefined): ToolCallResult {
  const names = availableNames?.() ?? [];
  const listed = names.length > 20 ? `${names.slice(0, 20).join(', ')}, …` : names.join(', ');
  const message = `There is no tool named "${exposedName}".${names.length > 0 ? ` Available tools: ${listed}.` : ''}`;
  const fullContent = formatToolFailure({ code: 'NOT_FOUND', message });
  return {
    exposedName,
    plugin: undefined,
    tool: undefined,
    schemaFingerprint: undefined,
    outcome: 'unknown_tool',
    content: fullContent,
    fullContent,
    data: undefined,
    images: undefined,
    error: { code: 'NOT_FOUND', message },
    durationMs: performance.now() - startedAt,
  };
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
