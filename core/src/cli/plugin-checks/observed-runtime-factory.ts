import type { ToolOutput } from '@acai/plugin-sdk';
import { InlinePluginRuntime, type PluginRuntime, type PluginRuntimeFactory, type RuntimeCallContext } from '../../plugin-host/index.js';

/** One execution of a tool as the runtime saw it, before the call path capped or scrubbed anything. */
export interface ObservedExecution {
  readonly plugin: string;
  readonly tool: string;
  readonly args: unknown;
  readonly startedAt: number;
  /** When the call's signal fired (timeout or cancellation), if it did. */
  abortedAt: number | undefined;
  /** When the tool's own promise settled, if it did. */
  settledAt: number | undefined;
  /** True once the tool read `context.signal`. */
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

/**
 * A runtime factory that runs plugins inline — so the tool's own reaction to its signal is visible,
 * not a worker's termination — and records imports, setups and every execution with its raw output.
 * The call path in front of it is the host's, unchanged.
 */
export function createObservedRuntimeFactory(now: () => number = () => performance.now()): { factory: PluginRuntimeFactory; observations: RuntimeObservations } {
  const observations: RuntimeObservations = { imported: new Set(), setUp: new Set(), executions: [], onExecute: undefined };
  const factory: PluginRuntimeFactory = (_mode, options) => {
    const inner = new InlinePluginRuntime(options);
    let pluginName = options.services.plugin.name;
    const runtime: PluginRuntime = {
      mode: inner.mode,
      async load() {
        const info = await inner.load();
        pluginName = info.name;
        observations.imported.add(options.services.plugin.name);
        return info;
      },
      async setup(config, signal) {
        observations.setUp.add(options.services.plugin.name);
        await inner.setup(config, signal);
      },
      execute(toolName: string, args: unknown, context: RuntimeCallContext): Promise<ToolOutput> {
        let markSettled!: () => void;
        const execution: ObservedExecution = {
          plugin: pluginName,
          tool: toolName,
          args,
          startedAt: now(),
          abortedAt: undefined,
          settledAt: undefined,
          didReadSignal: false,
          settled: new Promise<void>((resolve) => (markSettled = resolve)),
        };
        observations.executions.push(execution);
        const signal = context.signal;
        const onAbort = () => (execution.abortedAt ??= now());
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        const observedContext: RuntimeCallContext = {
          callId: context.callId,
          ...(context.traceparent !== undefined ? { traceparent: context.traceparent } : {}),
          get signal() {
            execution.didReadSignal = true;
            return signal;
          },
        };
        const pending = inner.execute(toolName, args, observedContext);
        observations.onExecute?.(execution);
        pending.then(
          (output) => {
            execution.output = output;
          },
          (error: unknown) => {
            execution.error = error;
          },
        ).finally(() => {
          execution.settledAt = now();
          signal.removeEventListener('abort', onAbort);
          markSettled();
        });
        return pending;
      },
      dispose: () => inner.dispose(),
    };
    return runtime;
  };
  return { factory, observations };
}
