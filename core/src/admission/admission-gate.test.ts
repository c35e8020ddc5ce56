import { describe, expect, it } from 'vitest';
import { AdmissionGate, AdmissionRefusedError, type GateTimers } from './admission-gate.js';
import { BUSY_UTILIZATION, isLateAndBusy, type LimitObservation, nextLimit, SHEDDING_SHARE, SHEDDING_TARGET_DELAY_MS, SUSTAINED_INTERVALS, targetDelayMs, wantsMoreRoom } from './loop-delay-limit.js';

/** Timers the test fires by hand: the queue budget runs out when the test says so. */
function manualTimers(): GateTimers & { fireAll(): void; pending(): number } {
  const scheduled = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout(callback) {
      next += 1;
      scheduled.set(next, callback);
      return next;
    },
    clearTimeout(handle) {
      scheduled.delete(handle as number);
    },
    fireAll() {
      const due = [...scheduled.values()];
      scheduled.clear();
      for (const callback of due) callback();
    },
    pending: () => scheduled.size,
  };
}

function gate(limits: { maxInFlight: number; maxQueued: number; maxQueueMs?: number }, timers = manualTimers()) {
  const events: string[] = [];
  const created = new AdmissionGate(
    { maxQueueMs: 100, ...limits },
    { timers, now: () => 0, observer: { admitted: () => events.push('admitted'), refused: (reason) => events.push(`refused:${reason}`) } },
  );
  return { gate: created, timers, events };
}

/** Whether a promise has settled, without waiting on any clock. */
async function settledState(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await Promise.resolve();
  await Promise.resolve();
  return state;
}

describe('AdmissionGate', () => {
  it('admits up to the limit at once, queues the next turn and admits it when one finishes', async () => {
    const { gate: admission } = gate({ maxInFlight: 2, maxQueued: 4 });
    const first = await admission.enter();
    await admission.enter();
    const third = admission.enter();
    expect(await settledState(third)).toBe('pending');
    expect([admission.inFlight, admission.queued]).toEqual([2, 1]);
    first.release();
    expect(await settledState(third)).toBe('resolved');
    expect([admission.inFlight, admission.queued]).toEqual([2, 0]);
  });

  it('admits at once through tryEnter only while there is room and nobody queued, taking nothing otherwise', async () => {
    const { gate: admission, events } = gate({ maxInFlight: 1, maxQueued: 4 });
    const ticket = admission.tryEnter();
    expect(ticket).toBeDefined();
    expect(admission.tryEnter()).toBeUndefined();
    const queued = admission.enter();
    ticket!.release();
    // The freed room went to the queued turn: a newcomer may not jump the queue.
    expect(await settledState(queued)).toBe('resolved');
    expect(admission.tryEnter()).toBeUndefined();
    (await queued).release();
    expect([admission.inFlight, admission.queued]).toEqual([0, 0]);
    expect(admission.tryEnter()).toBeDefined();
    expect(events).toEqual(['admitted', 'admitted', 'admitted']);
  });

  it('admits queued turns in arrival order', async () => {
    const { gate: admission } = gate({ maxInFlight: 1, maxQueued: 4 });
    const running = await admission.enter();
    const order: string[] = [];
    const waiting = ['a', 'b', 'c'].map((name) =>
      admission.enter().then((ticket) => {
        order.push(name);
        return ticket;
      }),
    );
    running.release();
    (await waiting[0]!).release();
    (await waiting[1]!).release();
    (await waiting[2]!).release();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(admission.inFlight).toBe(0);
  });

  it('refuses at once when the queue is full, without taking room', async () => {
    const { gate: admission, events } = gate({ maxInFlight: 1, maxQueued: 1 });
    await admission.enter();
    const queued = admission.enter();
    const refused = admission.enter();
    await expect(refused).rejects.toMatchObject({ reason: 'queue_full' });
    await expect(refused).rejects.toBeInstanceOf(AdmissionRefusedError);
    expect(await settledState(queued)).toBe('pending');
    expect([admission.inFlight, admission.queued]).toEqual([1, 1]);
    expect(events).toEqual(['admitted', 'refused:queue_full']);
  });

  it('refuses a queued turn whose queue-time budget ran out, and forgets it', async () => {
    const { gate: admission, timers, events } = gate({ maxInFlight: 1, maxQueued: 4 });
    const running = await admission.enter();
    const waiting = admission.enter();
    timers.fireAll();
    await expect(waiting).rejects.toMatchObject({ reason: 'queue_timeout' });
    expect(admission.queued).toBe(0);
    running.release();
    expect(admission.inFlight).toBe(0);
    expect(events).toContain('refused:queue_timeout');
  });

  it('takes a turn whose client left out of the queue, with the abort reason, and no budget timer left behind', async () => {
    const { gate: admission, timers } = gate({ maxInFlight: 1, maxQueued: 4 });
    const running = await admission.enter();
    const client = new AbortController();
    const waiting = admission.enter(client.signal);
    const reason = new Error('client closed');
    client.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect([admission.queued, timers.pending()]).toEqual([0, 0]);
    running.release();
    expect(admission.inFlight).toBe(0);
    await expect(admission.enter(AbortSignal.abort(reason)).then((ticket) => ticket.release())).resolves.toBeUndefined();
  });

  it('refuses at once a turn that would queue when the queue budget is zero or the caller already left', async () => {
    const zeroBudget = gate({ maxInFlight: 1, maxQueued: 10, maxQueueMs: 0 }).gate;
    await zeroBudget.enter();
    await expect(zeroBudget.enter()).rejects.toMatchObject({ reason: 'queue_full' });
    const { gate: admission } = gate({ maxInFlight: 1, maxQueued: 10 });
    await admission.enter();
    const reason = new Error('gone');
    await expect(admission.enter(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(admission.queued).toBe(0);
  });

  it('counts a ticket released twice once', async () => {
    const { gate: admission } = gate({ maxInFlight: 2, maxQueued: 0 });
    const ticket = await admission.enter();
    await admission.enter();
    ticket.release();
    ticket.release();
    expect(admission.inFlight).toBe(1);
  });

  it('admits waiting turns when the limit grows, and lets running ones finish when it shrinks', async () => {
    const { gate: admission } = gate({ maxInFlight: 1, maxQueued: 4 });
    const running = await admission.enter();
    const waiting = [admission.enter(), admission.enter()];
    admission.setLimit(3);
    expect(await settledState(waiting[0]!)).toBe('resolved');
    expect(await settledState(waiting[1]!)).toBe('resolved');
    admission.setLimit(1);
    expect(admission.inFlight).toBe(3);
    const late = admission.enter();
    running.release();
    (await waiting[0]!).release();
    expect(await settledState(late)).toBe('pending');
    (await waiting[1]!).release();
    expect(await settledState(late)).toBe('resolved');
    expect(admission.takePeakInFlight()).toBe(3);
    expect(admission.takePeakInFlight()).toBe(1);
  });

  it('queues only as many turns as the recent admission rate serves within the budget, refusing the rest on arrival', async () => {
    let now = 0;
    const events: string[] = [];
    const admission = new AdmissionGate(
      { maxInFlight: 10, maxQueued: 100, maxQueueMs: 100 },
      { timers: manualTimers(), now: () => now, observer: { refused: (reason) => events.push(reason) } },
    );
    const tickets = await Promise.all(Array.from({ length: 10 }, () => admission.enter()));
    now = 1_000; // 10 admissions in the last second: one more fits in a 100 ms budget
    const queued = admission.enter();
    await expect(admission.enter()).rejects.toMatchObject({ reason: 'queue_full' });
    expect(admission.queued).toBe(1);
    tickets[0]!.release();
    expect(await settledState(queued)).toBe('resolved');
    now = 2_000; // one admission in the last second: still room for one waiting turn
    const next = admission.enter();
    expect(admission.queued).toBe(1);
    for (const ticket of tickets.slice(1)) ticket.release();
    (await next).release();
    expect(events).toEqual(['queue_full']);
  });

  it('sizes the queue to half the budget at the recent rate, keeping the other half for a dip in the rate', async () => {
    let now = 0;
    const admission = new AdmissionGate({ maxInFlight: 40, maxQueued: 100, maxQueueMs: 100 }, { timers: manualTimers(), now: () => now });
    await Promise.all(Array.from({ length: 40 }, () => admission.enter()));
    now = 1_000; // 40 admissions in the last second: 4 within the budget, 2 within half of it
    const waiting = [admission.enter(), admission.enter()];
    await expect(admission.enter()).rejects.toMatchObject({ reason: 'queue_full' });
    expect(admission.queued).toBe(2);
    expect(await settledState(waiting[1]!)).toBe('pending');
  });

  it('sizes the queue to a quarter of the budget while shedding, and back to half once it is not', async () => {
    let now = 0;
    const admission = new AdmissionGate({ maxInFlight: 40, maxQueued: 100, maxQueueMs: 100 }, { timers: manualTimers(), now: () => now });
    await Promise.all(Array.from({ length: 40 }, () => admission.enter()));
    now = 1_000; // 40 admissions in the last second: 2 within half the budget, 1 within a quarter
    admission.setShedding(true);
    const first = admission.enter();
    await expect(admission.enter()).rejects.toMatchObject({ reason: 'queue_full' });
    expect(admission.queued).toBe(1);
    admission.setShedding(false);
    const second = admission.enter();
    expect(admission.queued).toBe(2);
    expect([await settledState(first), await settledState(second)]).toEqual(['pending', 'pending']);
  });

  it('refuses on arrival while nothing was admitted for a whole second and the gate is full', async () => {
    let now = 0;
    const admission = new AdmissionGate({ maxInFlight: 1, maxQueued: 100, maxQueueMs: 100 }, { timers: manualTimers(), now: () => now });
    await admission.enter();
    now = 1_000; // one admission in the last second: room for one waiting turn
    const waiting = admission.enter();
    expect(admission.queued).toBe(1);
    now = 2_000; // nothing admitted in the last second: nobody else can be served within the budget
    await expect(admission.enter()).rejects.toMatchObject({ reason: 'queue_full' });
    expect(await settledState(waiting)).toBe('pending');
  });

  it('tells synchronously whether a turn arriving now would be refused, counting the refusal and taking no room', async () => {
    const { gate: admission, events } = gate({ maxInFlight: 1, maxQueued: 1 });
    expect(admission.refuseOnArrival()).toBe(false);
    const running = await admission.enter();
    expect(admission.refuseOnArrival()).toBe(false); // room in the queue
    const queued = admission.enter();
    expect(admission.refuseOnArrival()).toBe(true);
    expect([admission.inFlight, admission.queued]).toEqual([1, 1]);
    expect(events).toEqual(['admitted', 'refused:queue_full']);
    running.release();
    (await queued).release();
    expect(admission.refuseOnArrival()).toBe(false);
  });

  it('rejects a limit below one', () => {
    expect(() => new AdmissionGate({ maxInFlight: 0, maxQueued: 0, maxQueueMs: 0 })).toThrow(RangeError);
  });
});

describe('nextLimit', () => {
  const settings = { minLimit: 16, maxLimit: 256, targetDelayMs: 50 };

  const sustained = SUSTAINED_INTERVALS - 1;
  /** An observation whose limit also wanted more room in the intervals before (growth is up to this one). */
  const observed = (observation: Omit<LimitObservation, 'roomyBefore'>): LimitObservation => ({ roomyBefore: sustained, ...observation });

  it('shrinks by a quarter once the event loop has lagged while busy for SUSTAINED_INTERVALS intervals, never below the floor', () => {
    expect(nextLimit(100, observed({ delayMs: 80, utilization: 0.95, peakInFlight: 100, lateBefore: sustained, refusedShare: 0 }), settings)).toBe(75);
    expect(nextLimit(100, observed({ delayMs: 80, utilization: BUSY_UTILIZATION, peakInFlight: 100, lateBefore: sustained + 3, refusedShare: 0 }), settings)).toBe(75);
    expect(nextLimit(18, observed({ delayMs: 500, utilization: 1, peakInFlight: 3, lateBefore: sustained, refusedShare: 0 }), settings)).toBe(16);
  });

  it('keeps the limit through a single late interval (a GC pause, a burst of another process)', () => {
    expect(nextLimit(100, observed({ delayMs: 400, utilization: 1, peakInFlight: 100, lateBefore: sustained - 1, refusedShare: 0 }), settings)).toBe(100);
  });

  it('keeps the limit while the loop lags but mostly waited (other processes held the CPU)', () => {
    expect(nextLimit(100, observed({ delayMs: 400, utilization: 0.5, peakInFlight: 100, lateBefore: 5, refusedShare: 0 }), settings)).toBe(100);
    expect(nextLimit(64, observed({ delayMs: 80, utilization: 0.89, peakInFlight: 10, lateBefore: 5, refusedShare: 0 }), settings)).toBe(64);
    expect(isLateAndBusy({ delayMs: 80, utilization: 0.89, refusedShare: 0 }, settings)).toBe(false);
    expect(isLateAndBusy({ delayMs: 50, utilization: 1, refusedShare: 0 }, settings)).toBe(false);
    expect(isLateAndBusy({ delayMs: 51, utilization: 0.9, refusedShare: 0 }, settings)).toBe(true);
  });

  it('grows by a quarter while the limit binds and the loop keeps up with headroom, never past the maximum', () => {
    expect(nextLimit(64, observed({ delayMs: 5, utilization: 0.6, peakInFlight: 64, lateBefore: 0, refusedShare: 0 }), settings)).toBe(80);
    expect(nextLimit(2, observed({ delayMs: 5, utilization: 0.2, peakInFlight: 2, lateBefore: 0, refusedShare: 0 }), { ...settings, minLimit: 1 })).toBe(3);
    expect(nextLimit(250, observed({ delayMs: 5, utilization: 0.5, peakInFlight: 250, lateBefore: 0, refusedShare: 0 }), settings)).toBe(256);
  });

  it('does not grow on a single roomy interval (a burst meeting a loop that was idle before it)', () => {
    expect(nextLimit(32, { delayMs: 5, utilization: 0.6, peakInFlight: 32, lateBefore: 0, roomyBefore: sustained - 1, refusedShare: 0 }, settings)).toBe(32);
    expect(wantsMoreRoom(32, { delayMs: 5, utilization: 0.6, peakInFlight: 32, refusedShare: 0 }, settings)).toBe(true);
    expect(wantsMoreRoom(32, { delayMs: 5, utilization: 0.6, peakInFlight: 31, refusedShare: 0 }, settings)).toBe(false);
    expect(wantsMoreRoom(32, { delayMs: 5, utilization: BUSY_UTILIZATION, peakInFlight: 32, refusedShare: 0 }, settings)).toBe(false);
    expect(wantsMoreRoom(32, { delayMs: 51, utilization: 0.6, peakInFlight: 32, refusedShare: 0 }, settings)).toBe(false);
  });

  it('does not grow while the loop is busy: more turns would only lengthen every iteration', () => {
    expect(nextLimit(64, observed({ delayMs: 5, utilization: BUSY_UTILIZATION, peakInFlight: 64, lateBefore: 0, refusedShare: 0 }), settings)).toBe(64);
    expect(nextLimit(16, observed({ delayMs: 30, utilization: 0.99, peakInFlight: 40, lateBefore: 0, refusedShare: 0 }), settings)).toBe(16);
  });

  it('stays put while the limit is not what holds turns back', () => {
    expect(nextLimit(64, observed({ delayMs: 5, utilization: 0.5, peakInFlight: 10, lateBefore: 0, refusedShare: 0 }), settings)).toBe(64);
  });

  it('aims at the tighter shedding target once a tenth of the turns are refused, never above the configured one', () => {
    expect(targetDelayMs({ refusedShare: 0 }, settings)).toBe(50);
    expect(targetDelayMs({ refusedShare: SHEDDING_SHARE / 2 }, settings)).toBe(50);
    expect(targetDelayMs({ refusedShare: SHEDDING_SHARE }, settings)).toBe(SHEDDING_TARGET_DELAY_MS);
    expect(targetDelayMs({ refusedShare: 0.6 }, { ...settings, targetDelayMs: 10 })).toBe(10);
  });

  it('while shedding, shrinks at a delay the configured target tolerates, and does not grow past it', () => {
    const late = SHEDDING_TARGET_DELAY_MS + 10;
    expect(nextLimit(64, observed({ delayMs: late, utilization: 0.95, peakInFlight: 64, lateBefore: sustained, refusedShare: 0.5 }), settings)).toBe(48);
    expect(nextLimit(64, observed({ delayMs: late, utilization: 0.95, peakInFlight: 64, lateBefore: sustained, refusedShare: 0 }), settings)).toBe(64);
    // Refusing while the loop also waited for a CPU: still shrinks once sustained, and never grows while late.
    expect(nextLimit(64, observed({ delayMs: late, utilization: 0.7, peakInFlight: 64, lateBefore: sustained, refusedShare: 0.5 }), settings)).toBe(48);
    expect(nextLimit(64, observed({ delayMs: late, utilization: 0.7, peakInFlight: 64, lateBefore: sustained - 1, refusedShare: 0.5 }), settings)).toBe(64);
    // The same loop without refusals: not our own work, and it has headroom, so the binding limit grows.
    expect(nextLimit(64, observed({ delayMs: late, utilization: 0.7, peakInFlight: 64, lateBefore: sustained, refusedShare: 0 }), settings)).toBe(80);
  });
});

describe('AdmissionGate.takeRefusedShare', () => {
  it('reports the share of turns refused since the previous call, counting both kinds of refusal', async () => {
    const timers = manualTimers();
    const gate = new AdmissionGate({ maxInFlight: 1, maxQueued: 1, maxQueueMs: 100 }, { timers });
    expect(gate.takeRefusedShare()).toBe(0);
    const first = gate.tryEnter();
    const queued = gate.enter();
    expect(gate.refuseOnArrival()).toBe(true);
    timers.fireAll();
    await expect(queued).rejects.toBeInstanceOf(AdmissionRefusedError);
    // One admitted, one refused on arrival, one refused after its queue budget.
    expect(gate.takeRefusedShare()).toBeCloseTo(2 / 3);
    expect(gate.takeRefusedShare()).toBe(0);
    first?.release();
  });
});
