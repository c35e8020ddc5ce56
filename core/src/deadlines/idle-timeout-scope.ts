import type { TimeoutScope } from './timeout-scope.js';

/** A timeout scope whose clock restarts whenever the work shows it is still moving. */
export interface IdleTimeoutScope extends TimeoutScope {
  /** The work made progress (e.g. a chunk arrived): the idle clock starts again from now. */
  progress(): void;
}

// Why not re-arm a timer on every progress: a streamed model answer makes hundreds of chunks, and a
// clearTimeout + setTimeout pair per chunk costs more than the chunk's own handling. Progress only
// stamps the time; the one timer, when it fires, looks at the stamp and sleeps again for what is left.

/**
 * Starts a scope that aborts when `parent` aborts (with its reason), when `idleMs` pass without
 * {@link IdleTimeoutScope.progress}, or at `endsAt` (epoch ms) whatever the progress — the last two
 * with a `TimeoutError` DOMException, as `AbortSignal.timeout` does. Without progress calls it is a
 * plain timeout of `min(idleMs, endsAt - now)`.
 *
 * @example
 * const scope = startIdleTimeoutScope(caller.signal, 30_000, deadline);
 * try {
 *   for await (const chunk of stream(scope.signal)) scope.progress();
 * } finally {
 *   scope.dispose();
 * }
 */
export function startIdleTimeoutScope(parent: AbortSignal, idleMs: number, endsAt: number): IdleTimeoutScope {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, dispose: () => {}, progress: () => {} };
  }
  let lastProgressAt = Date.now();
  let timer: NodeJS.Timeout;
  const onParentAbort = (): void => {
    clearTimeout(timer);
    controller.abort(parent.reason);
  };
  const schedule = (delayMs: number): void => {
    timer = setTimeout(check, Math.max(0, delayMs));
    // Like AbortSignal.timeout: a pending scope never keeps the process alive by itself.
    timer.unref();
  };
  function check(): void {
    const now = Date.now();
    const idleLeft = lastProgressAt + idleMs - now;
    const totalLeft = endsAt - now;
    if (idleLeft > 0 && totalLeft > 0) {
      schedule(Math.min(idleLeft, totalLeft));
      return;
    }
    parent.removeEventListener('abort', onParentAbort);
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }
  schedule(Math.min(idleMs, endsAt - lastProgressAt));
  parent.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    progress() {
      lastProgressAt = Date.now();
    },
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
