// The child-process half of bench:capacity's measurements (types in process-probe.d.mts). Every
// process the benchmark starts (the host, the bare route, the fake model) installs this probe, and the
// driver asks it over the IPC channel for the process's own figures: CPU time (user + system, all
// threads), memory, event-loop delay and GC pauses since the last reset. Reading them inside the process
// works the same on every revision of the host, so a "before" and an "after" run are measured alike.
// Plain JavaScript, so the host process runs without a TypeScript loader.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

const LOOP_DELAY_RESOLUTION_MS = 10;

/** Installs the probe and answers the driver's requests; no-op without an IPC channel. */
export function installProcessProbe() {
  const send = process.send?.bind(process);
  if (send === undefined) return;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  let gcCount = 0;
  let gcTotalMs = 0;
  let gcMaxMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount += 1;
      gcTotalMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });

  /** @returns {import('./process-probe.mjs').ProcessReport} */
  const snapshot = () => {
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    // The histogram records the whole interval of its 10 ms timer; the delay is what exceeds it.
    const nanosToMs = (/** @type {number} */ nanos) => (Number.isFinite(nanos) && loopDelay.count > 0 ? Math.max(0, nanos / 1e6 - LOOP_DELAY_RESOLUTION_MS) : 0);
    return {
      pid: process.pid,
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      loopDelay: {
        p50: nanosToMs(loopDelay.percentile(50)),
        p99: nanosToMs(loopDelay.percentile(99)),
        max: nanosToMs(loopDelay.max),
        mean: nanosToMs(loopDelay.mean),
      },
      gc: { count: gcCount, totalMs: gcTotalMs, maxMs: gcMaxMs },
    };
  };

  /** The CPU profiler's session while a profile is being taken (node:inspector: no restart, no --cpu-prof). */
  /** @type {Session | undefined} */
  let profiler;

  process.on('message', async (/** @type {import('./process-probe.mjs').ProbeRequest} */ message) => {
    if (message.type === 'profile-start' && profiler === undefined) {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    if (message.type === 'profile-stop' && profiler !== undefined) {
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      await writeFile(message.path, JSON.stringify(profile));
    }
    if (message.type === 'collect-garbage') {
      // The process runs with --expose-gc; two passes also collect what the first one only finalized.
      const collect = /** @type {{ gc?: () => void }} */ (globalThis).gc;
      collect?.();
      collect?.();
    }
    if (message.type === 'heap-snapshot') writeHeapSnapshot(message.path);
    const report = snapshot();
    if (message.type === 'report' && message.reset) {
      loopDelay.reset();
      gcCount = 0;
      gcTotalMs = 0;
      gcMaxMs = 0;
    }
    send({ type: 'probe-answer', id: message.id, report });
  });
  // The IPC channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}

/** Tells the driver where this process listens. */
export function announceListening(/** @type {number} */ port) {
  process.send?.({ type: 'listening', port });
}
