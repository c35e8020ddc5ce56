import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAdmission } from './register-admission.js';

/** A promise and its resolver (Node 20 has no Promise.withResolvers). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app whose /turn and /stream routes wait until the test lets them finish (controlled concurrency). */
async function buildApp(limits: { maxInFlight: number; maxQueued: number }) {
  const registry = new Registry();
  app = Fastify();
  const gate = (await registerAdmission(app, {
    settings: { ...limits, queueTimeoutMs: 60_000, targetLoopDelayMs: 0, minInFlight: 16 },
    registry,
    paths: ['/turn', '/stream', '/failing'],
  }))!;
  const started: Array<() => void> = [];
  let arrived = deferred();
  const hold = async (): Promise<void> => {
    const finish = deferred();
    started.push(finish.resolve);
    arrived.resolve();
    await finish.promise;
  };
  app.post('/turn', async () => {
    await hold();
    return { ok: true };
  });
  app.post('/failing', async () => {
    throw new Error('handler failed');
  });
  app.post('/other', async () => ({ other: true }));
  return {
    app,
    gate,
    registry,
    /** Waits until a held handler is running. */
    nextArrival: async () => {
      await arrived.promise;
      arrived = deferred();
    },
    finishOldest: () => started.shift()?.(),
  };
}

describe('admission control for chat turns', () => {
  it('refuses turns beyond the room and the queue at once with unavailable and Retry-After, and lets other routes through', async () => {
    const harness = await buildApp({ maxInFlight: 1, maxQueued: 1 });
    const first = harness.app.inject({ method: 'POST', url: '/turn' });
    await harness.nextArrival();
    const queued = harness.app.inject({ method: 'POST', url: '/turn?attempt=2' });
    await vi.waitFor(() => expect(harness.gate.queued).toBe(1));

    const refused = await harness.app.inject({ method: 'POST', url: '/turn' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ code: 'unavailable', meta: { retry_after_seconds: '1' } });
    expect((await harness.app.inject({ method: 'POST', url: '/other' })).json()).toEqual({ other: true });

    harness.finishOldest();
    expect((await first).statusCode).toBe(200);
    await harness.nextArrival();
    harness.finishOldest();
    expect((await queued).statusCode).toBe(200);
    expect([harness.gate.inFlight, harness.gate.queued]).toEqual([0, 0]);

    const exposition = await harness.registry.metrics();
    expect(exposition).toContain('acai_admission_refusals_total{reason="queue_full"} 1');
    expect(exposition).toContain('acai_admission_in_flight 0');
    expect(exposition).toContain('acai_admission_limit 1');
  });

  it('gives the room back when a turn fails', async () => {
    const harness = await buildApp({ maxInFlight: 1, maxQueued: 0 });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await harness.app.inject({ method: 'POST', url: '/failing' })).statusCode).toBe(500);
    }
    expect(harness.gate.inFlight).toBe(0);
  });

  it('gives the room back when the client leaves mid-turn, and takes a queued turn out when its client leaves', async () => {
    const harness = await buildApp({ maxInFlight: 1, maxQueued: 1 });
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (harness.app.server.address() as AddressInfo).port;
    const send = () => {
      const outgoing = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/turn', headers: { 'content-length': '0' } });
      outgoing.on('error', () => {});
      outgoing.end();
      return outgoing;
    };
    const running = send();
    await harness.nextArrival();
    const waiting = send();
    await vi.waitFor(() => expect(harness.gate.queued).toBe(1));

    waiting.destroy();
    await vi.waitFor(() => expect(harness.gate.queued).toBe(0));
    running.destroy();
    await vi.waitFor(() => expect(harness.gate.inFlight).toBe(0));

    // The held handler of the abandoned turn finishes later; the room is not counted twice.
    harness.finishOldest();
    const next = harness.app.inject({ method: 'POST', url: '/turn' });
    await harness.nextArrival();
    expect(harness.gate.inFlight).toBe(1);
    harness.finishOldest();
    expect((await next).statusCode).toBe(200);
    expect(harness.gate.inFlight).toBe(0);
  });

  it('starts an adaptive limit at 32 turns, or at the maximum when that is lower; a fixed one at the maximum', async () => {
    const startOf = async (maxInFlight: number, targetLoopDelayMs: number): Promise<number> => {
      const fresh = Fastify();
      const gate = await registerAdmission(fresh, { settings: { maxInFlight, maxQueued: 0, queueTimeoutMs: 0, targetLoopDelayMs, minInFlight: 8 }, registry: new Registry() });
      await fresh.close();
      return gate!.limit;
    };
    expect(await startOf(256, 50)).toBe(32);
    expect(await startOf(20, 50)).toBe(20);
    expect(await startOf(256, 0)).toBe(256);
  });

  it('is off when the maximum is 0', async () => {
    const fresh = Fastify();
    expect(await registerAdmission(fresh, { settings: { maxInFlight: 0, maxQueued: 0, queueTimeoutMs: 0, targetLoopDelayMs: 0, minInFlight: 16 }, registry: new Registry() })).toBeUndefined();
    await fresh.close();
  });
});
