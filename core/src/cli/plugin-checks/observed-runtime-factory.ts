import type { ToolOutput } from '@acai/plugin-sdk';
import { InlinePluginRuntime, type PluginRuntime, type PluginRuntimeFactory, type PluginRuntimeOptions, type RuntimeCallContext } from '../../plugin-host/index.js';
import type { WorkerCallObserver, WorkerCallOutcome } from '../../plugin-host/worker/index.js';

/** One execution of a tool as the runtime saw it, before the call path capped or scrubbed anything. */
export interface ObservedExecution {
  readonly plugin: string;
  readonly tool: string;
  readonly args: unknown;
  readonly startedAt: number;
  /** When the call's signal fired (timeout or cancellation), if it did. */
  abortedAt: number | undefined;
  /** When the tool's own promise settled, if it did (in a sandbox: when its answer reached the host, or its worker died). */
  settledAt: number | undefined;
  /** True once the tool read `context.signal` (in a sandbox, as its worker reported it). */
  didReadSignal: boolean;
  readonly settled: Promise<void>;
  output?: ToolOutput;
  error?: unknown;
}

/** What the observing runtimes recorded. */
export interface RuntimeObservations {
  /** Plugin names whose entry imported successfully. */
  readonly imported: Set<string>;
  /** Plugin names whose setup ran. */
  readonly setUp: Set<string>;
  readonly executions: ObservedExecution[];
  /** Called as each execution starts (tests of cancellation abort from here). */
  onExecute: ((execution: ObservedExecution) => void) | undefined;
}

/** Builds the host's runtime factory with an observer of its worker calls (InspectionWorkspace.runtimeFactory). */
export type ObservableRuntimeFactory = (observer: WorkerCallObserver) => PluginRuntimeFactory;

/**
 * A runtime factory that runs each plugin where the host would and records imports, setups and every execution
 * with its raw output; the call path in front of it is the host's, unchanged.
 *
 * - A package the host sandboxes (the loader hands over `options.sandbox`) runs in the host's sandboxed worker,
 *   built by `workerFactory`. What the host side cannot see — when the tool itself stopped after its signal fired
 *   (the call path answers the caller at once) and whether it read `context.signal` — comes from the worker's own
 *   messages through a {@link WorkerCallObserver}; the sandbox is not widened for it.
 * - Everything else (first-party code, an entry that opted out with `"sandbox": "none"`) runs inline, so the
 *   tool's reaction to its signal is observed directly, not a worker's termination.
 */
export function createObservedRuntimeFactory(
  workerFactory: ObservableRuntimeFactory,
  now: () => number = () => performance.now(),
): { factory: PluginRuntimeFactory; observations: RuntimeObservations } {
  const observations: RuntimeObservations = { imported: new Set(), setUp: new Set(), executions: [], onExecute: undefined };
  // A sandboxed call is named by the context object handed to the worker runtime (one per execution).
  const inWorker = new WeakMap<RuntimeCallContext, Recorder>();
  const sandboxedFactory = workerFactory({
    settled: (context, outcome) => inWorker.get(context)?.settle(outcome),
    signalRead: (context) => {
      const recorder = inWorker.get(context);
      if (recorder !== undefined) recorder.execution.didReadSignal = true;
    },
  });

  const factory: PluginRuntimeFactory = (mode, options) => {
    const isSandboxed = options.sandbox !== undefined;
    const inner = isSandboxed ? sandboxedFactory(mode, options) : new InlinePluginRuntime(options);
    const execute = (pluginName: string) => (toolName: string, args: unknown, context: RuntimeCallContext): Promise<ToolOutput> => {
      const recorder = startExecution(pluginName, toolName, args, context.signal, now);
      observations.executions.push(recorder.execution);
      let pending: Promise<ToolOutput>;
      if (isSandboxed) {
        // The worker runtime answers an aborted call at once; the tool's own end is what the observer reports.
        const workerContext: RuntimeCallContext = {
          callId: context.callId,
          signal: context.signal,
          ...(context.traceparent !== undefined ? { traceparent: context.traceparent } : {}),
        };
        inWorker.set(workerContext, recorder);
        pending = inner.execute(toolName, args, workerContext) as Promise<ToolOutput>;
      } else {
        const signal = context.signal;
        const inlineContext: RuntimeCallContext = {
          callId: context.callId,
          ...(context.traceparent !== undefined ? { traceparent: context.traceparent } : {}),
          get signal() {
            recorder.execution.didReadSignal = true;
            return signal;
          },
        };
        pending = inner.execute(toolName, args, inlineContext) as Promise<ToolOutput>;
        pending.then(
          (value) => recorder.settle({ ok: true, value }),
          (error: unknown) => recorder.settle({ ok: false, error }),
        );
      }
      observations.onExecute?.(recorder.execution);
      return pending;
    };
    return observedRuntime(inner, options, observations, execute);
  };
  return { factory, observations };
}

/** The runtime with its import and setup recorded and its executions sent through `execute`. */
function observedRuntime(
  inner: PluginRuntime,
  options: PluginRuntimeOptions,
  observations: RuntimeObservations,
  execute: (pluginName: string) => PluginRuntime['execute'],
): PluginRuntime {
  const entryName = options.services.plugin.name;
  let run = execute(entryName);
  return {
    mode: inner.mode,
    get isRestarting() {
      return inner.isRestarting;
    },
    async load() {
      const info = await inner.load();
      run = execute(info.name);
      observations.imported.add(entryName);
      return info;
    },
    async setup(config, signal) {
      observations.setUp.add(entryName);
      await inner.setup(config, signal);
    },
    execute: (toolName, args, context) => run(toolName, args, context),
    dispose: () => inner.dispose(),
  } as PluginRuntime;
}

interface Recorder {
  readonly execution: ObservedExecution;
  /** Records how the tool's own run ended (the first report counts). */
  settle(outcome: WorkerCallOutcome): void;
}

function startExecution(plugin: string, tool: string, args: unknown, signal: AbortSignal, now: () => number): Recorder {
  let markSettled!: () => void;
  const execution: ObservedExecution = {
    plugin,
    tool,
    args,
    startedAt: now(),
    abortedAt: undefined,
    settledAt: undefined,
    didReadSignal: false,
    settled: new Promise<void>((resolve) => (markSettled = resolve)),
  };
  const onAbort = () => (execution.abortedAt ??= now());
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    execution,
    settle(outcome) {
      if (execution.settledAt !== undefined) return;
      if (outcome.ok) execution.output = outcome.value as ToolOutput;
      else execution.error = outcome.error;
      execution.settledAt = now();
      signal.removeEventListener('abort', onAbort);
      markSettled();
    },
  };
}
