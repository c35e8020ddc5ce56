import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ToolError } from '@acai/plugin-sdk';
import type { Logger } from 'pino';
import { runToolLoop } from '../../chat/index.js';
import type { PluginHost, RegisteredToolInfo } from '../../plugin-host/index.js';
import { isToolCallError, type ToolCallResult, type ToolExecutor } from '../../tool-calls/index.js';
import type { PluginIdentity } from './identify-plugin.js';
import type { ObservedExecution, RuntimeObservations } from './observed-runtime-factory.js';
import { createScriptedModel } from './scripted-model.js';
import { sampleToolArguments } from './sample-tool-arguments.js';
import { loadPluginForInspection, type ValidatePluginOptions, type ValidationReport } from './validate-plugin.js';

/** How one conformance step ended. */
export type StepStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One line of the conformance report. */
export interface ConformanceStep {
  /** Exposed tool name; absent for plugin-wide steps. */
  readonly tool?: string;
  readonly step: string;
  readonly status: StepStatus;
  readonly detail: string;
}

/** What `acai plugin test` reports. */
export interface ConformanceReport {
  /** False when any step failed (warnings do not fail the run). */
  readonly ok: boolean;
  readonly identity: PluginIdentity;
  readonly validation: ValidationReport;
  readonly steps: readonly ConformanceStep[];
  readonly counts: Readonly<Record<StepStatus, number>>;
}

/** Options of {@link runConformance}. */
export interface ConformanceOptions extends Omit<ValidatePluginOptions, 'pluginConfig' | 'policy'> {
  readonly pluginConfig?: Record<string, unknown>;
  /** Arguments to use per tool (plugin-local or exposed name) instead of generated ones. */
  readonly argsByTool?: ReadonlyMap<string, unknown>;
  /** The call timeout of ordinary calls (policy.timeoutMs; default: the host's default). */
  readonly timeoutMs?: number;
  /** The short deadline of the deadline probe (default 100 ms). */
  readonly deadlineMs?: number;
  /** How long a tool may keep running after its signal fired before it counts as ignoring it (default 2000 ms). */
  readonly graceMs?: number;
  readonly logger: Logger;
}

/** The output cap of the probe host: the smallest plugins.config.json allows. */
const PROBE_CAP_BYTES = 256;
const OVERSIZED_STRING_LENGTH = 64 * 1024;
const CANCELLED = new Error('acai plugin test: cancelled on purpose');

/**
 * A conformance run of one plugin through the host's real call path: the host's load checks, then for
 * every tool a turn of the host's tool loop with a scripted model, malformed and hostile arguments,
 * an oversized input, cancellation mid-call, a short deadline, the output cap, and across the plugin
 * the breaker's classification of every outcome and secret scrubbing (declared secrets get canary
 * values when none are configured). The plugin runs where the host would run it (createObservedRuntimeFactory):
 * a sandboxed plugin's worker reports when each tool stopped and whether it read its signal. Tools are called
 * about ten times each with sample arguments: do not point it at tools with side effects you cannot repeat.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const canaries = new Map<string, string>();
  const loaded = await loadPluginForInspection({
    ...options,
    pluginConfig: (identity) => {
      const config: Record<string, unknown> = { ...options.pluginConfig };
      for (const key of identity.secretKeys) {
        if (config[key] !== undefined) continue;
        const canary = `acai-canary-${randomBytes(8).toString('hex')}`;
        canaries.set(key, canary);
        config[key] = canary;
      }
      return config;
    },
    ...(options.timeoutMs !== undefined ? { policy: { timeoutMs: options.timeoutMs } } : {}),
  });
  const { report: validation, host, observations, workspace, entry } = loaded;
  const steps: ConformanceStep[] = [];
  try {
    if (!validation.ok) {
      const failed = validation.checks.find((check) => check.status === 'failed');
      steps.push({ step: 'load', status: 'fail', detail: `${failed?.check ?? 'load'} check: ${failed?.code ?? ''}: ${failed?.message ?? ''}` });
      return finish(validation, steps);
    }
    const tools = host.listTools();
    steps.push({ step: 'load', status: 'pass', detail: `passed every load check of host ${validation.hostVersion} (${tools.length} tool${tools.length === 1 ? '' : 's'})` });
    const probe = await loaded.reload({ timeoutMs: options.deadlineMs ?? 100, maxOutputBytes: PROBE_CAP_BYTES, retry: { maxAttempts: 1 } });
    const results: ToolCallResult[] = [];
    const context: ToolRunContext = {
      host,
      probe,
      observations,
      logger: options.logger,
      graceMs: options.graceMs ?? 2000,
      deadlineMs: options.deadlineMs ?? 100,
      timeoutMs: entry.policy.timeoutMs,
      maxOutputBytes: entry.policy.maxOutputBytes,
      results,
      steps,
    };
    const pluginName = host.listPlugins()[0]?.name ?? '';
    let hasBreakerOpened = false;
    for (const tool of tools) {
      // Every tool is tested on its own: failures of the tools before it may have opened the breaker,
      // which would hide this one from the model. That the breaker opened is reported in the breaker step.
      if ((host.breakerState(pluginName) ?? 'closed') !== 'closed') {
        hasBreakerOpened = true;
        host.resetBreaker(pluginName);
      }
      const args = options.argsByTool?.get(tool.tool) ?? options.argsByTool?.get(tool.exposedName) ?? sampleToolArguments(tool.parameters);
      await checkTool(tool, args, context);
    }
    checkBreaker(host, results, steps, hasBreakerOpened);
    const configuredSecrets = validation.identity.secretKeys
      .map((key) => (canaries.get(key) ?? options.pluginConfig?.[key]) as unknown)
      .filter((value): value is string => typeof value === 'string' && value.length >= 4);
    checkSecrets(validation.identity.secretKeys, configuredSecrets, results, observations.executions, steps);
    return finish(validation, steps);
  } finally {
    observations.onExecute = undefined;
    await workspace.dispose();
  }
}

interface ToolRunContext {
  readonly host: PluginHost;
  /** The same plugin with a short deadline and the smallest output cap. */
  readonly probe: PluginHost;
  readonly observations: RuntimeObservations;
  readonly logger: Logger;
  readonly graceMs: number;
  readonly deadlineMs: number;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  /** Every result of the ordinary host (for the breaker and secret steps). */
  readonly results: ToolCallResult[];
  readonly steps: ConformanceStep[];
}

async function checkTool(tool: RegisteredToolInfo, args: unknown, context: ToolRunContext): Promise<void> {
  const add = (step: string, status: StepStatus, detail: string) => context.steps.push({ tool: tool.exposedName, step, status, detail });
  const runs = (from: number) => context.observations.executions.slice(from).filter((execution) => execution.tool === tool.tool);
  const shownArgs = truncate(JSON.stringify(args), 120);

  // 1. A turn of the host's tool loop: the scripted model calls the tool and must get its result back.
  let from = context.observations.executions.length;
  const model = createScriptedModel([{ id: 'call_conformance', name: tool.exposedName, arguments: JSON.stringify(args) }]);
  const turn = await runToolLoop(
    { model, executor: recordingExecutor(context), settings: { maxSteps: 2, maxCorrectionsPerTool: 1, emptyReplyText: '(empty)' } },
    {
      messages: [
        { role: 'system', content: 'acai plugin test: a scripted conformance turn.' },
        { role: 'user', content: `Call ${tool.exposedName}.` },
      ],
      rawPromptTokens: 0,
      tools: context.host.listModelTools(),
      caller: { tenantId: 'acai-plugin-test', signal: new AbortController().signal, deadline: Date.now() + context.timeoutMs + 60_000, logger: context.logger },
    },
  );
  const record = turn.toolCalls[0];
  const sample = runs(from)[0];
  const wasOffered = model.requests[0]?.tools?.some((offered) => offered.function.name === tool.exposedName) === true;
  if (!wasOffered || record === undefined) {
    add('model turn', 'fail', 'the host did not offer the tool to the model');
    return;
  }
  if (model.toolResults.get(record.id) !== record.result) {
    add('model turn', 'fail', 'the model did not receive the tool result the call path produced');
    return;
  }
  const received = `the model received ${Buffer.byteLength(record.result)} bytes`;
  const sampleIsValid = sample !== undefined;
  switch (record.outcome) {
    case 'ok':
      add('model turn', 'pass', `called with ${shownArgs}: ok in ${record.durationMs} ms; ${received}`);
      break;
    case 'invalid_input':
      add(
        'model turn',
        'warn',
        sampleIsValid
          ? `the tool refused the sample arguments ${shownArgs} (${describeFailure(sample)}); pass --args ${tool.tool}='{…}' to test a real call`
          : `no valid sample arguments (${firstLine(record.result)}); pass --args ${tool.tool}='{…}'`,
      );
      break;
    case 'timeout':
    // The turn's deadline stopped the call first: to the check, it did not finish in time either.
    case 'cancelled':
      add('model turn', 'fail', `did not finish within the call timeout (${context.timeoutMs} ms)`);
      break;
    case 'unavailable':
    case 'rate_limited':
      add('model turn', 'warn', `failed upstream (${describeFailure(sample)}); the breaker counts this, which is right when the upstream is down`);
      break;
    default:
      add('model turn', 'fail', describeCrash(sample, record.outcome));
  }

  // 2. Malformed and hostile arguments never reach the tool.
  const hostile = hostileArguments(tool.parameters, args);
  from = context.observations.executions.length;
  const leaked: string[] = [];
  for (const [label, raw] of hostile) {
    const before = context.observations.executions.length;
    const result = await callAndKeep(context, tool.exposedName, raw);
    if (result.outcome !== 'invalid_input' || context.observations.executions.length > before) leaked.push(`${label} → ${result.outcome}`);
  }
  if (leaked.length === 0) add('arguments', 'pass', `${hostile.length} malformed or hostile argument sets refused before the tool ran`);
  else add('arguments', 'fail', `reached the tool or were not refused as invalid_input: ${leaked.join('; ')}`);

  // 3. An oversized free-text argument.
  const oversized = oversizedArguments(tool.parameters, args);
  if (oversized === undefined) {
    add('oversized input', 'skip', 'no free-text string arguments');
  } else {
    from = context.observations.executions.length;
    const result = await callAndKeep(context, tool.exposedName, oversized.args);
    const ran = runs(from).length > 0;
    const names = oversized.properties.map((name) => `"${name}"`).join(', ');
    if (!ran) add('oversized input', 'pass', `refused a ${OVERSIZED_STRING_LENGTH / 1024} KiB ${names} by schema`);
    else if (result.outcome === 'invalid_input') add('oversized input', 'pass', `the tool itself refused a ${OVERSIZED_STRING_LENGTH / 1024} KiB ${names} (${truncate(result.error?.message, 120)}); a maxLength would refuse it before the call`);
    else if (result.outcome === 'ok' || result.outcome === 'unavailable') {
      add('oversized input', 'warn', `accepts a ${OVERSIZED_STRING_LENGTH / 1024} KiB ${names} (${result.outcome}); add maxLength to bound prompts and upstream requests`);
    } else add('oversized input', 'fail', `a ${OVERSIZED_STRING_LENGTH / 1024} KiB ${names} ended in ${result.outcome}: ${truncate(result.error?.message, 200)}`);
  }

  // 4. Cancellation mid-call: the tool must stop once its signal fires.
  if (!sampleIsValid) {
    add('cancellation', 'skip', 'needs arguments the schema accepts');
    add('deadline', 'skip', 'needs arguments the schema accepts');
    add('output cap', 'skip', 'needs arguments the schema accepts');
    return;
  }
  const controller = new AbortController();
  from = context.observations.executions.length;
  context.observations.onExecute = (execution) => {
    if (execution.tool === tool.tool) setImmediate(() => controller.abort(CANCELLED));
  };
  await callAndKeep(context, tool.exposedName, args, controller.signal);
  context.observations.onExecute = undefined;
  add('cancellation', ...(await judgeAbort(runs(from)[0], 'cancellation', context.graceMs)));

  // 5. A short deadline, and the output cap, on the probe host.
  from = context.observations.executions.length;
  const probed = await context.probe.callTool(tool.exposedName, JSON.stringify(args));
  add('deadline', ...(await judgeAbort(runs(from)[0], `the ${context.deadlineMs} ms deadline`, context.graceMs)));
  const largest = Math.max(0, ...runs(0).map((execution) => outputBytes(execution)));
  if (probed.outcome !== 'ok') {
    add('output cap', largest > context.maxOutputBytes ? 'warn' : 'pass', `${capSummary(largest, context.maxOutputBytes)} (not re-checked at the probe cap: the call ended in ${probed.outcome})`);
  } else if (Buffer.byteLength(probed.content) > PROBE_CAP_BYTES) {
    add('output cap', 'fail', `at a ${PROBE_CAP_BYTES}-byte cap the model still got ${Buffer.byteLength(probed.content)} bytes`);
  } else {
    add('output cap', largest > context.maxOutputBytes ? 'warn' : 'pass', `${capSummary(largest, context.maxOutputBytes)}; at a ${PROBE_CAP_BYTES}-byte cap the model got ${Buffer.byteLength(probed.content)} bytes`);
  }
}

/** The host as the chat loop's executor, keeping every result for the plugin-wide steps. */
function recordingExecutor(context: ToolRunContext): ToolExecutor {
  const host = context.host;
  return {
    listModelTools: () => host.listModelTools(),
    describeTool: (exposedName) => host.describeTool(exposedName),
    callTool: async (exposedName, rawArguments, callOptions) => {
      const result = await host.callTool(exposedName, rawArguments, callOptions);
      context.results.push(result);
      return result;
    },
  };
}

async function callAndKeep(context: ToolRunContext, exposedName: string, raw: unknown, signal?: AbortSignal): Promise<ToolCallResult> {
  const result = await context.host.callTool(exposedName, raw, signal ? { signal } : {});
  context.results.push(result);
  return result;
}

/** Did the tool stop after its signal fired (cancellation or deadline)? */
async function judgeAbort(execution: ObservedExecution | undefined, what: string, graceMs: number): Promise<[StepStatus, string]> {
  if (execution === undefined) return ['skip', 'the tool did not run'];
  if (execution.abortedAt === undefined || (execution.settledAt !== undefined && execution.settledAt <= execution.abortedAt)) {
    return ['pass', `finished before ${what} (${Math.round((execution.settledAt ?? execution.startedAt) - execution.startedAt)} ms)`];
  }
  if (execution.settledAt === undefined) await settledWithin(execution.settled, graceMs);
  if (execution.settledAt === undefined) {
    return [
      'fail',
      `still running ${graceMs} ms after ${what} fired its signal${execution.didReadSignal ? '' : ' (it never reads context.signal)'}; pass context.signal to fetch and timers, or check signal.aborted`,
    ];
  }
  return ['pass', `stopped ${Math.round(execution.settledAt - execution.abortedAt)} ms after ${what}`];
}

/** Waits for `settled` at most `ms` (the timer is cleared either way, so nothing lingers). */
async function settledWithin(settled: Promise<void>, ms: number): Promise<void> {
  const timer = new AbortController();
  await Promise.race([settled, sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined)]);
  timer.abort();
}

function checkBreaker(host: PluginHost, results: readonly ToolCallResult[], steps: ConformanceStep[], hasOpenedBefore: boolean): void {
  const status = host.listPlugins()[0];
  const byOutcome = new Map<string, number>();
  for (const result of results) byOutcome.set(result.outcome, (byOutcome.get(result.outcome) ?? 0) + 1);
  const counted = results.filter((result) => isToolCallError(result.outcome)).length;
  const summary = [...byOutcome].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
  const classified = `${results.length} calls (${summary}); ${counted} counted as failures; caller faults and cancellations did not`;
  const breaker = status?.breakerState ?? 'closed';
  if (breaker === 'closed' && !hasOpenedBefore) {
    steps.push({ step: 'breaker', status: 'pass', detail: `${classified}; breaker closed` });
  } else {
    steps.push({ step: 'breaker', status: 'warn', detail: `${classified}; the failures opened the breaker (closed again before each tool, so every tool was tested)` });
  }
}

function checkSecrets(
  secretKeys: readonly string[],
  secrets: readonly string[],
  results: readonly ToolCallResult[],
  executions: readonly ObservedExecution[],
  steps: ConformanceStep[],
): void {
  if (secretKeys.length === 0) {
    steps.push({ step: 'secrets', status: 'skip', detail: 'the manifest declares no secrets' });
    return;
  }
  if (secrets.length === 0) {
    steps.push({ step: 'secrets', status: 'skip', detail: 'no secret values of 4+ characters to look for' });
    return;
  }
  const contains = (text: string | undefined) => text !== undefined && secrets.some((secret) => text.includes(secret));
  const exposed = results.filter((result) => contains(result.content) || contains(result.fullContent) || contains(result.error?.message) || contains(safeJson(result.data)));
  if (exposed.length > 0) {
    steps.push({ step: 'secrets', status: 'fail', detail: `a secret value reached the model or the caller in ${exposed.length} result(s) of ${exposed[0]!.exposedName}` });
    return;
  }
  const raw = executions.filter((execution) => contains(safeJson(execution.output)) || contains(execution.error instanceof Error ? execution.error.message : undefined));
  if (raw.length > 0) {
    steps.push({ step: 'secrets', status: 'warn', detail: `${raw[0]!.tool} puts a secret in its output or errors; the host scrubbed it, but do not rely on that` });
    return;
  }
  steps.push({ step: 'secrets', status: 'pass', detail: `no secret value (${secretKeys.join(', ')}) in ${results.length} results or the tools' raw output` });
}

/** Inputs the call path must refuse with invalid_input before the tool runs. */
function hostileArguments(schema: unknown, valid: unknown): Array<[string, unknown]> {
  const cases: Array<[string, unknown]> = [
    ['text that is not JSON', '{"unterminated'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"text"'],
  ];
  const base = typeof valid === 'object' && valid !== null && !Array.isArray(valid) ? (valid as Record<string, unknown>) : {};
  cases.push(['an unknown property', { ...base, __acai_unexpected__: true }]);
  const node = schema as { required?: unknown; properties?: Record<string, { type?: unknown; anyOf?: unknown }> };
  const required = Array.isArray(node?.required) ? (node.required as string[]) : [];
  // A required property that accepts null may be left out: the call path fills it in as null (what a model
  // without strict mode sends), so `{}` is only hostile when some required property refuses null.
  if (required.some((key) => !acceptsNull(node.properties?.[key]))) cases.push(['no arguments', {}]);
  if (required.length > 0) {
    const first = required[0]!;
    const types = [node.properties?.[first]?.type].flat();
    cases.push([`a wrong type for "${first}"`, { ...base, [first]: types.includes('object') ? 42 : { __acai_wrong_type__: true } }]);
  }
  return cases;
}

/** Whether a property schema accepts null (`"type": [..., "null"]` or a `{"type": "null"}` branch of anyOf). */
function acceptsNull(property: { type?: unknown; anyOf?: unknown } | undefined): boolean {
  if (property === undefined) return false;
  if ([property.type].flat().includes('null')) return true;
  return Array.isArray(property.anyOf) && property.anyOf.some((branch) => [(branch as { type?: unknown })?.type].flat().includes('null'));
}

/** The valid arguments with every free-text string property replaced by 64 KiB of text. */
function oversizedArguments(schema: unknown, valid: unknown): { args: Record<string, unknown>; properties: string[] } | undefined {
  if (typeof valid !== 'object' || valid === null || Array.isArray(valid)) return undefined;
  const properties = ((schema as { properties?: Record<string, Record<string, unknown>> })?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const free = Object.entries(properties)
    .filter(([, property]) => [property.type].flat().includes('string') && property.enum === undefined && property.const === undefined && property.format === undefined && property.pattern === undefined)
    .map(([name]) => name);
  if (free.length === 0) return undefined;
  const args: Record<string, unknown> = { ...(valid as Record<string, unknown>) };
  for (const name of free) args[name] = 'x'.repeat(OVERSIZED_STRING_LENGTH);
  return { args, properties: free };
}

function describeFailure(execution: ObservedExecution | undefined): string {
  const error = execution?.error;
  if (ToolError.isInstance(error)) return `${error.code}: ${truncate(error.message, 200)}`;
  if (error instanceof Error) return `${error.name}: ${truncate(error.message, 200)}`;
  return 'no error';
}

function describeCrash(execution: ObservedExecution | undefined, outcome: string): string {
  const error = execution?.error;
  if (error !== undefined && !ToolError.isInstance(error)) {
    return `threw ${error instanceof Error ? `${error.name}: ${truncate(error.message, 200)}` : truncate(String(error), 200)} instead of a ToolError; the host reports INTERNAL to the model and counts it against the breaker (throw ToolError with a code)`;
  }
  if (error === undefined && execution?.output !== undefined) {
    return 'returned something that is neither a string nor { content }; the host reports INTERNAL';
  }
  return `ended in ${outcome} (${describeFailure(execution)})`;
}

function outputBytes(execution: ObservedExecution): number {
  const output = execution.output;
  if (typeof output === 'string') return Buffer.byteLength(output);
  if (typeof output === 'object' && output !== null && typeof output.content === 'string') return Buffer.byteLength(output.content);
  return 0;
}

function capSummary(largest: number, cap: number): string {
  return largest > cap
    ? `returned up to ${largest} bytes; the model sees at most ${cap} (head and tail)`
    : `largest output ${largest} bytes, within the ${cap}-byte cap`;
}

function safeJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function truncate(text: string | undefined, length: number): string {
  if (text === undefined) return 'undefined';
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function firstLine(text: string): string {
  return truncate(text.split('\n')[0], 200);
}

function finish(validation: ValidationReport, steps: ConformanceStep[]): ConformanceReport {
  const counts: Record<StepStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const step of steps) counts[step.status] += 1;
  return { ok: counts.fail === 0, identity: validation.identity, validation, steps, counts };
}
