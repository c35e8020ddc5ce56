import type { Logger } from 'pino';

/** Something to release at shutdown (plugins, stores, Redis, telemetry), in the order given. */
export interface Disposer {
  readonly name: string;
  dispose(): Promise<unknown> | unknown;
}

/** Options for {@link installShutdown}. */
export interface InstallShutdownOptions {
  /** The Fastify app (only `close()` and its HTTP server are used). */
  app: { close(): PromiseLike<unknown>; readonly server: { closeAllConnections(): void; closeIdleConnections?(): void } };
  /** Run after the server has closed, one after another. */
  onShutdown: readonly Disposer[];
  /** How long in-flight requests may take before their connections are cut (SHUTDOWN_DEADLINE_MS). */
  deadlineMs: number;
  /** Bound on each disposer; default 5 s. */
  disposerTimeoutMs?: number;
  logger: Logger;
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Default process.exit; tests pass a recorder. */
  exit?: (code: number) => void;
}

/** Control over an installed shutdown. */
export interface ShutdownHandle {
  /** True from the first signal on (readiness uses it to drain). */
  isShuttingDown(): boolean;
  /** Runs the shutdown as if a signal arrived; resolves with the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Removes the signal handlers. */
  uninstall(): void;
}

const IDLE_SWEEP_MS = 50;

async function withTimeout(work: Promise<unknown>, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work,
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: stop accepting (app.close closes the listener and answers 503 on
 * kept-alive connections), let in-flight requests finish until `deadlineMs` (then cut the remaining
 * connections), run the disposers in order, and exit 0 (1 if a disposer failed). A second signal exits
 * immediately with 1.
 *
 * @example
 * installShutdown({ app, deadlineMs: config.server.shutdownDeadlineMs, logger, onShutdown: [
 *   { name: 'plugins', dispose: () => pluginHost.dispose() },
 *   { name: 'store', dispose: () => store.close() },
 *   { name: 'telemetry', dispose: () => tracing.shutdown() },
 * ] });
 */
export function installShutdown(options: InstallShutdownOptions): ShutdownHandle {
  const { app, logger } = options;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const disposerTimeoutMs = options.disposerTimeoutMs ?? 5000;
  let running: Promise<number> | undefined;

  async function run(reason: string): Promise<number> {
    logger.info({ reason, deadline_ms: options.deadlineMs }, 'shutting down: no new connections, finishing in-flight requests');
    const deadline = setTimeout(() => {
      logger.warn({ deadline_ms: options.deadlineMs }, 'shutdown deadline reached: closing the remaining connections');
      app.server.closeAllConnections();
    }, options.deadlineMs);
    // A kept-alive connection whose request finished after close() began would otherwise hold the
    // server open until the deadline (every load balancer keeps connections alive): close
    // connections as soon as they fall idle.
    const idleSweep = setInterval(() => app.server.closeIdleConnections?.(), IDLE_SWEEP_MS);
    let exitCode = 0;
    try {
      await app.close();
    } catch (error) {
      exitCode = 1;
      logger.error({ err: error }, 'closing the server failed');
    } finally {
      clearTimeout(deadline);
      clearInterval(idleSweep);
    }
    for (const disposer of options.onShutdown) {
      try {
        await withTimeout(Promise.resolve().then(() => disposer.dispose()), disposerTimeoutMs, disposer.name);
        logger.debug({ disposer: disposer.name }, 'disposed');
      } catch (error) {
        exitCode = 1;
        logger.error({ err: error, disposer: disposer.name }, 'dispose failed');
      }
    }
    logger.info({ exit_code: exitCode }, 'shutdown complete');
    return exitCode;
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    running = run(signal);
    void running.then(exit);
  };
  for (const signal of signals) process.on(signal, onSignal);

  return {
    isShuttingDown: () => running !== undefined,
    shutdown(reason) {
      running ??= run(reason);
      return running;
    },
    uninstall() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
