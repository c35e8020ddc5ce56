// Why: without a bound, a replica past its capacity queues every turn it is offered — in the event loop,
// the store's connection pool and the model client — and latency grows for all of them until deadlines
// expire (bench:capacity measured turns waiting 15 s and more at 2× capacity, and a backlog that took
// seconds to clear). The gate bounds the turns in progress; a turn that finds no room waits in a short
// FIFO queue for at most its queue-time budget, and is refused at once when the queue is full, so the
// client gets a fast `unavailable` with Retry-After and can go elsewhere, and accepted turns stay fast.
// "Full" is whichever is smaller: the configured bound, or what the gate can be expected to admit
// within half the queue-time budget at the rate it admitted turns over the last second — a turn further
// back would likely wait longer than its budget and be refused anyway, only later; refusing it on arrival
// keeps refusals fast. The other half absorbs a dip in the rate (a GC pause, a slow model answer): with
// the whole budget, 3 % of the refusals at 2× capacity were turns that had waited out their 100 ms in
// the queue (bench:capacity), enough to set the refusals' p99 at over 100 ms.

/** Why a turn was not admitted. */
export type RefusalReason = 'queue_full' | 'queue_timeout';

/** A turn the gate refused. */
export class AdmissionRefusedError extends Error {
  readonly reason: RefusalReason;

  constructor(reason: RefusalReason) {
    super(reason === 'queue_full' ? 'too many turns in progress and waiting' : 'no room for the turn within its queue-time budget');
    this.name = 'AdmissionRefusedError';
    this.reason = reason;
  }
}

/** The bounds of an {@link AdmissionGate}. */
export interface AdmissionLimits {
  /** Turns in progress at once (the initial limit when a controller adjusts it). */
  readonly maxInFlight: number;
  /** Turns waiting for room; one more is refused at once. */
  readonly maxQueued: number;
  /** Longest wait for room before a queued turn is refused. */
  readonly maxQueueMs: number;
}

/** Scheduling seam (tests drive the queue budget by hand). */
export interface GateTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the gate reports, for metrics. */
export interface AdmissionObserver {
  admitted?(queuedMs: number): void;
  refused?(reason: RefusalReason): void;
}

/** Room for one turn; `release` once the turn is over (safe to call twice). */
export interface AdmissionTicket {
  release(): void;
}

interface Waiter {
  readonly enqueuedAt: number;
  readonly admit: (ticket: AdmissionTicket) => void;
  timer: unknown;
  /** Detaches from the caller's signal once the wait is over. */
  detach: () => void;
}

/** The window over which the admission rate is counted. */
const RATE_WINDOW_MS = 1_000;
/** The share of the queue-time budget the queue is sized to: the rest is headroom for a dip in the admission rate. */
const QUEUE_BUDGET_SHARE = 0.5;
// While shedding (the controller says so, see setShedding) most arrivals are refused anyway, and a queued
// turn that then waits out its budget is a refusal that took the whole budget: at 1,800 turns/s against
// ~900 admitted, 35 of 4,613 refusals (0.8 %) were such, enough to set the refusals' p99 at ~110 ms
// (bench:capacity, the host's refusal log). A shorter queue refuses them on arrival instead.
const SHEDDING_QUEUE_BUDGET_SHARE = 0.25;

const systemTimers: GateTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Bounded in-flight turns with a bounded FIFO queue and a queue-time budget. */
export class AdmissionGate {
  readonly #maxQueued: number;
  readonly #maxQueueMs: number;
  readonly #timers: GateTimers;
  readonly #now: () => number;
  readonly #observer: AdmissionObserver;
  readonly #queue: Waiter[] = [];
  #limit: number;
  #inFlight = 0;
  /** The most turns in progress at once since the last {@link takePeakInFlight}. */
  #peakInFlight = 0;
  /** Turns admitted and refused since the last {@link takeRefusedShare}. */
  #admittedSinceTake = 0;
  #refusedSinceTake = 0;
  /** Whether the controller last saw the gate shedding: the queue is then sized to a smaller share of the budget. */
  #isShedding = false;
  /** Admissions in the current and the previous rate window. */
  #windowStartedAt = Number.NEGATIVE_INFINITY;
  #admittedThisWindow = 0;
  #admittedLastWindow: number | undefined;

  constructor(limits: AdmissionLimits, options: { timers?: GateTimers; now?: () => number; observer?: AdmissionObserver } = {}) {
    if (!(limits.maxInFlight >= 1)) throw new RangeError('AdmissionGate maxInFlight must be at least 1');
    this.#limit = Math.floor(limits.maxInFlight);
    this.#maxQueued = Math.max(0, Math.floor(limits.maxQueued));
    this.#maxQueueMs = Math.max(0, limits.maxQueueMs);
    this.#timers = options.timers ?? systemTimers;
    this.#now = options.now ?? (() => performance.now());
    this.#observer = options.observer ?? {};
  }

  /** Turns in progress. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Turns waiting for room. */
  get queued(): number {
    return this.#queue.length;
  }

  /** The current bound on turns in progress. */
  get limit(): number {
    return this.#limit;
  }

  /** The peak of turns in progress since the previous call (a controller's "was the limit binding?"). */
  takePeakInFlight(): number {
    const peak = this.#peakInFlight;
    this.#peakInFlight = this.#inFlight;
    return peak;
  }

  /** The share of turns refused since the previous call (0 when none arrived): is the gate shedding? */
  takeRefusedShare(): number {
    const total = this.#admittedSinceTake + this.#refusedSinceTake;
    const share = total === 0 ? 0 : this.#refusedSinceTake / total;
    this.#admittedSinceTake = 0;
    this.#refusedSinceTake = 0;
    return share;
  }

  /** Whether the gate is shedding (set by the limit's controller each interval); shortens the queue while it is. */
  setShedding(isShedding: boolean): void {
    this.#isShedding = isShedding;
  }

  /** Changes the bound (at least 1); more room admits queued turns at once. */
  setLimit(limit: number): void {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#drain();
  }

  /**
   * A ticket at once when there is room and nobody is queued, else undefined (then {@link enter} queues
   * or refuses). Lets a caller admit the common case without a promise or a client-gone signal.
   */
  tryEnter(): AdmissionTicket | undefined {
    return this.#hasRoom() ? this.#admit(0) : undefined;
  }

  /**
   * Resolves with a ticket once the turn may run: at once when there is room, after waiting in the
   * queue otherwise. Rejects with {@link AdmissionRefusedError} when the queue is full or the wait
   * would exceed the budget; an aborted `signal` (the client left) takes the turn out of the queue.
   */
  enter(signal?: AbortSignal): Promise<AdmissionTicket> {
    const ticket = this.tryEnter();
    if (ticket !== undefined) return Promise.resolve(ticket);
    if (this.refuseOnArrival()) return Promise.reject(new AdmissionRefusedError('queue_full'));
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<AdmissionTicket>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.#remove(waiter)) return;
        this.#timers.clearTimeout(waiter.timer);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        enqueuedAt: this.#now(),
        admit: (ticket) => {
          waiter.detach();
          resolve(ticket);
        },
        timer: undefined,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      waiter.timer = this.#timers.setTimeout(() => {
        if (!this.#remove(waiter)) return;
        waiter.detach();
        this.#refusedSinceTake += 1;
        this.#observer.refused?.('queue_timeout');
        reject(new AdmissionRefusedError('queue_timeout'));
      }, this.#maxQueueMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /**
   * Whether a turn arriving now would be refused at once (no room, and the queue full): the same
   * decision {@link enter} makes first, synchronously and without a promise, so a caller can answer the
   * refusal before it spends anything else on the request. A refusal is counted ('queue_full').
   */
  refuseOnArrival(): boolean {
    if (!this.isFull()) return false;
    this.#refusedSinceTake += 1;
    this.#observer.refused?.('queue_full');
    return true;
  }

  /** Whether a turn arriving now would be refused at once; counts nothing. */
  isFull(): boolean {
    return !this.#hasRoom() && this.#queue.length >= this.#queueBound();
  }

  #hasRoom(): boolean {
    return this.#inFlight < this.#limit && this.#queue.length === 0;
  }

  /** Room in the queue: the configured bound, or what the recent admission rate serves within half the budget (a quarter while shedding). */
  #queueBound(): number {
    if (this.#maxQueueMs === 0) return 0;
    this.#rollWindow();
    const recent = this.#admittedLastWindow;
    if (recent === undefined) return this.#maxQueued;
    const share = this.#isShedding ? SHEDDING_QUEUE_BUDGET_SHARE : QUEUE_BUDGET_SHARE;
    return Math.min(this.#maxQueued, Math.ceil((recent * this.#maxQueueMs * share) / RATE_WINDOW_MS));
  }

  #rollWindow(): void {
    const now = this.#now();
    const elapsed = now - this.#windowStartedAt;
    if (elapsed < RATE_WINDOW_MS) return;
    // After a gap (the gate was not asked for a while) the old count says nothing about the rate now.
    this.#admittedLastWindow = elapsed < 2 * RATE_WINDOW_MS ? this.#admittedThisWindow : undefined;
    this.#admittedThisWindow = 0;
    this.#windowStartedAt = now;
  }

  #admit(queuedMs: number): AdmissionTicket {
    this.#rollWindow();
    this.#admittedThisWindow += 1;
    this.#admittedSinceTake += 1;
    this.#inFlight += 1;
    if (this.#inFlight > this.#peakInFlight) this.#peakInFlight = this.#inFlight;
    this.#observer.admitted?.(queuedMs);
    let isReleased = false;
    return {
      release: () => {
        if (isReleased) return;
        isReleased = true;
        this.#inFlight -= 1;
        this.#drain();
      },
    };
  }

  #drain(): void {
    while (this.#inFlight < this.#limit && this.#queue.length > 0) {
      const waiter = this.#queue.shift()!;
      this.#timers.clearTimeout(waiter.timer);
      waiter.admit(this.#admit(this.#now() - waiter.enqueuedAt));
    }
  }

  #remove(waiter: Waiter): boolean {
    const index = this.#queue.indexOf(waiter);
    if (index === -1) return false;
    this.#queue.splice(index, 1);
    return true;
  }
}
