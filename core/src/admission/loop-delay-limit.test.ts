import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AdmissionGate } from './admission-gate.js';
import { SHEDDING_TARGET_DELAY_MS, startLoopDelayLimit } from './loop-delay-limit.js';

/** Holds the event loop for `ms` (what a burst of turns does to it). */
function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: the delay monitor sees the loop late by about this much
  }
}

/** Polls `condition` every few ms until it holds or `timeoutMs` passes; resolves with whether it held. */
async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(5);
  }
  return condition();
}

describe('startLoopDelayLimit', () => {
  it('shrinks the limit to the floor while the gate sheds and the loop runs later than the shedding target', async () => {
    const gate = new AdmissionGate({ maxInFlight: 64, maxQueued: 0, maxQueueMs: 0 });
    const tickets = Array.from({ length: 64 }, () => gate.tryEnter());
    const controller = startLoopDelayLimit(gate, { minLimit: 8, maxLimit: 256, targetDelayMs: 50 }, 50);
    let shedding = true;
    // Between the shedding target and the configured one: only shedding makes this delay "late".
    const blockMs = SHEDDING_TARGET_DELAY_MS + 15;
    const load = (async () => {
      while (shedding) {
        for (let refused = 0; refused < 20; refused += 1) gate.refuseOnArrival();
        blockLoop(blockMs);
        await sleep(1);
      }
    })();
    try {
      expect(await eventually(() => gate.limit === 8, 20_000)).toBe(true);
    } finally {
      shedding = false;
      await load;
      controller.stop();
      for (const ticket of tickets) ticket?.release();
    }
  });

  it('grows a limit that keeps binding while the loop idles (turns waiting on a slow model)', async () => {
    const gate = new AdmissionGate({ maxInFlight: 4, maxQueued: 0, maxQueueMs: 0 });
    const tickets = Array.from({ length: 4 }, () => gate.tryEnter());
    const controller = startLoopDelayLimit(gate, { minLimit: 2, maxLimit: 256, targetDelayMs: 50 }, 20);
    try {
      // Every interval sees the limit reached (4 in progress) and an idle loop: after two in a row it grows.
      expect(await eventually(() => gate.limit > 4, 20_000)).toBe(true);
    } finally {
      controller.stop();
      for (const ticket of tickets) ticket?.release();
    }
  });

  it('keeps the limit while nothing is refused and the loop keeps up', async () => {
    const gate = new AdmissionGate({ maxInFlight: 64, maxQueued: 0, maxQueueMs: 0 });
    const controller = startLoopDelayLimit(gate, { minLimit: 8, maxLimit: 256, targetDelayMs: 50 }, 20);
    try {
      await sleep(200);
      // The limit never bound (no turns), so it neither grew nor shrank.
      expect(gate.limit).toBe(64);
    } finally {
      controller.stop();
    }
  });
});
