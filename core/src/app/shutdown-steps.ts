import type { Logger } from 'pino';

/**
 * What a shutdown step stops, in the order the phases run: first nothing new may start (config watches
 * that would reload plugins), then the server drains its requests, then the plugins those requests
 * used are disposed, and only then are the stores closed that plugins and requests wrote to.
 */
export type ShutdownPhase = 'config-watches' | 'server' | 'plugins' | 'stores';

const PHASE_ORDER: readonly ShutdownPhase[] = ['config-watches', 'server', 'plugins', 'stores'];

/** One thing to stop; a rejection is logged and the remaining steps still run. */
export type ShutdownStep = () => Promise<void> | void;

/**
 * The app's shutdown, collected while it is built. A part registers its step as soon as it exists, so a
 * build that fails half-way closes exactly what was opened; steps run phase by phase, and within a phase
 * in the order they were added.
 */
export class ShutdownSteps {
  readonly #logger: Logger;
  readonly #steps = new Map<ShutdownPhase, ShutdownStep[]>();
  #running: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(phase: ShutdownPhase, step: ShutdownStep): void {
    const steps = this.#steps.get(phase) ?? [];
    steps.push(step);
    this.#steps.set(phase, steps);
  }

  /** Runs every step once; later calls return the same promise (closing twice is harmless). */
  run(): Promise<void> {
    this.#running ??= this.#runAll();
    return this.#running;
  }

  async #runAll(): Promise<void> {
    for (const phase of PHASE_ORDER) {
      for (const step of this.#steps.get(phase) ?? []) {
        try {
          await step();
        } catch (error) {
          this.#logger.warn({ err: error }, 'shutdown step failed');
        }
      }
    }
  }
}
