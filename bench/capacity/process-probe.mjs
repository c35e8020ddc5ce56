// The child-process half of bench:capacity's measurements (types in process-probe.d.mts). Every
// process the benchmark starts (the host, the bare route, the fake model) installs this probe, and the
// driver asks it over the IPC channel for the process's own figures: CPU time (user + system, all
// threads), memory, event-loop delay and GC pauses since the last reset. Reading them inside the process
// works the same on every revision of the host, so a "before" and an "after" run are measured alike.
// Plain JavaScript, so the host process runs without a TypeScript loader.
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';

const LOOP_DELAY_RESOLUTION_MS = 10;
/** The response header carrying when this process had read a request's headers (epoch ms, fractional). */
export const RECEIVED_AT_HEADER = 'x-bench-received-at';
/** The response header carrying when this process accepted the connection the request came on. */
export const ACCEPTED_AT_HEADER = 'x-bench-accepted-at';
/** A 10 ms timer tick that came this much later than due counts as a stall of the event loop. */
const STALL_MS = 20;
/** The most stalls and GC pauses kept between two resets. */
const MAX_KEPT = 2000;

/** The main thread's time on a CPU and waiting for one (ns, Linux /proc schedstat); undefined elsewhere. */
function schedulerTimes() {
  try {
    const [onCpu, waiting] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { onCpu: onCpu ?? 0, waiting: waiting ?? 0 };
  } catch {
    return undefined;
  }
}

/** A number of kB from a /proc status-style text ("Name:   123 kB"), in bytes; 0 when absent. */
function procKilobytes(/** @type {string} */ text, /** @type {string} */ name) {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * What the process's resident memory is made of (Linux /proc; zeros elsewhere): anonymous (heaps,
 * malloc, stacks) vs file-backed (the node binary, shared libraries) pages, its thread count (each
 * worker thread is one more V8 isolate with its own heap), and V8's main-isolate heap spaces, committed
 * (what the RSS pays for) and used.
 * @returns {import('./process-probe.mjs').MemoryDetail}
 */
export function memoryDetail() {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // Not Linux: the V8 figures alone.
  }
  const threads = /^Threads:\s+(\d+)/m.exec(status);
  const memory = process.memoryUsage();
  return {
    rssAnonBytes: procKilobytes(status, 'RssAnon'),
    rssFileBytes: procKilobytes(status, 'RssFile'),
    threads: threads ? Number(threads[1]) : 0,
    arrayBuffersBytes: memory.arrayBuffers,
    heapSpaces: getHeapSpaceStatistics().map((space) => ({ name: space.space_name, committedBytes: space.physical_space_size, usedBytes: space.space_used_size })),
  };
}

/**
 * Why the event loop stalled. Every 10 ms tick reads the main thread's scheduler times; a tick that came
 * more than STALL_MS late is split into time the thread ran (our code, or GC: the pauses that overlap it),
 * time it was runnable but waited for a CPU (other processes on a shared machine: not ours to fix), and
 * the rest, when it slept or blocked (a lock such as SQLite's busy wait, synchronous I/O).
 */
function createStallMonitor(/** @type {Array<{ start: number; duration: number }>} */ gcPauses) {
  /** @type {Array<{ start: number; wallMs: number; cpuMs: number; waitMs: number }>} */
  let stalls = [];
  let lastTick = performance.now();
  let lastTimes = schedulerTimes();
  const timer = setInterval(() => {
    const now = performance.now();
    const times = schedulerTimes();
    const wallMs = now - lastTick;
    if (times && lastTimes && wallMs - LOOP_DELAY_RESOLUTION_MS > STALL_MS && stalls.length < MAX_KEPT) {
      stalls.push({ start: lastTick, wallMs, cpuMs: (times.onCpu - lastTimes.onCpu) / 1e6, waitMs: (times.waiting - lastTimes.waiting) / 1e6 });
    }
    lastTick = now;
    lastTimes = times;
  }, LOOP_DELAY_RESOLUTION_MS);
  timer.unref();
  return {
    /** The stalls since the last reset, with the GC pauses that fell inside each. */
    summary() {
      let gcMs = 0;
      let cpuMs = 0;
      let waitMs = 0;
      let wallMs = 0;
      let worst = { wallMs: 0, cpuMs: 0, waitMs: 0, gcMs: 0 };
      for (const stall of stalls) {
        const end = stall.start + stall.wallMs;
        const overlap = gcPauses.reduce((sum, pause) => sum + Math.max(0, Math.min(end, pause.start + pause.duration) - Math.max(stall.start, pause.start)), 0);
        gcMs += overlap;
        cpuMs += stall.cpuMs;
        waitMs += stall.waitMs;
        wallMs += stall.wallMs;
        if (stall.wallMs > worst.wallMs) worst = { wallMs: stall.wallMs, cpuMs: stall.cpuMs, waitMs: stall.waitMs, gcMs: overlap };
      }
      return { count: stalls.length, wallMs, cpuMs, gcMs, waitMs, blockedMs: Math.max(0, wallMs - cpuMs - waitMs), worst };
    },
    reset() {
      stalls = [];
    },
  };
}

/**
 * Watches the calling process's own event loop, GC pauses and (when it serves HTTP) how long its server
 * took per request, from the request's headers being read to the response's last byte handed to the
 * kernel (node:http's diagnostics channels, so every revision of the host is measured alike). Each
 * response also carries {@link RECEIVED_AT_HEADER}: the driver subtracts it from its own send time to
 * see how long a request waited before the server read it (connection set-up, kernel socket queues, a
 * busy loop), which the server cannot see.
 */
export function createSelfMonitor() {
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  let gcCount = 0;
  let gcTotalMs = 0;
  let gcMaxMs = 0;
  /** @type {Array<{ start: number; duration: number }>} */
  const gcPauses = [];
  const stalls = createStallMonitor(gcPauses);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (gcPauses.length < MAX_KEPT) gcPauses.push({ start: entry.startTime, duration: entry.duration });
      gcCount += 1;
      gcTotalMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  // Microseconds, so sub-millisecond handler times keep their resolution.
  const serverTime = createHistogram();
  let connections = 0;
  /** @type {WeakMap<object, number>} */
  const startedAt = new WeakMap();
  /** @type {WeakMap<object, string>} */
  const acceptedAt = new WeakMap();
  const epochNow = () => (performance.timeOrigin + performance.now()).toFixed(3);
  subscribe('net.server.socket', (/** @type {any} */ message) => {
    connections += 1;
    acceptedAt.set(message.socket, epochNow());
  });
  subscribe('http.server.request.start', (/** @type {any} */ message) => {
    startedAt.set(message.response, performance.now());
    // Set before the handler runs; writeHead merges it with the handler's own headers.
    message.response.setHeader(RECEIVED_AT_HEADER, epochNow());
    const accepted = acceptedAt.get(message.socket);
    if (accepted !== undefined) message.response.setHeader(ACCEPTED_AT_HEADER, accepted);
  });
  subscribe('http.server.response.finish', (/** @type {any} */ message) => {
    const started = startedAt.get(message.response);
    if (started !== undefined) serverTime.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
  });
  let utilizationSince = performance.eventLoopUtilization();
  const micros = (/** @type {number} */ value) => (serverTime.count > 0 && Number.isFinite(value) ? value / 1000 : 0);

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
      serverTime: { count: serverTime.count, p50: micros(serverTime.percentile(50)), p99: micros(serverTime.percentile(99)), max: micros(serverTime.max) },
      connectionsAccepted: connections,
      stalls: stalls.summary(),
      loopUtilization: performance.eventLoopUtilization(utilizationSince).utilization,
      memory: memoryDetail(),
    };
  };
  const reset = () => {
    loopDelay.reset();
    stalls.reset();
    gcPauses.length = 0;
    utilizationSince = performance.eventLoopUtilization();
    serverTime.reset();
    gcCount = 0;
    gcTotalMs = 0;
    gcMaxMs = 0;
  };
  return { snapshot, reset };
}

/** Installs the probe and answers the driver's requests; no-op without an IPC channel. */
export function installProcessProbe() {
  const send = process.send?.bind(process);
  if (send === undefined) return;
  const { snapshot, reset } = createSelfMonitor();

  // BENCH_HEAP_SAMPLE=1 (through BENCH_HOST_ENV): a profile also samples allocations, keeping those that
  // survived a scavenge (what gets promoted and makes full GCs come sooner), written next to the CPU profile.
  const sampleHeap = process.env.BENCH_HEAP_SAMPLE === '1';
  /** The CPU profiler's session while a profile is being taken (node:inspector: no restart, no --cpu-prof). */
  /** @type {Session | undefined} */
  let profiler;

  process.on('message', async (/** @type {import('./process-probe.mjs').ProbeRequest} */ message) => {
    if (message.type === 'profile-start' && profiler === undefined) {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      if (sampleHeap) {
        await profiler.post('HeapProfiler.enable');
        await profiler.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
      }
    }
    if (message.type === 'profile-stop' && profiler !== undefined) {
      if (sampleHeap) {
        const { profile: heap } = await profiler.post('HeapProfiler.stopSampling');
        await writeFile(`${message.path}.heapprofile`, JSON.stringify(heap));
      }
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      await writeFile(message.path, JSON.stringify(profile));
    }
    if (message.type === 'collect-garbage') {
      // Exposed only now, so the host runs with no flag the product lacks; two passes also collect what
      // the first one only finalized.
      setFlagsFromString('--expose-gc');
      const collect = /** @type {() => void} */ (runInNewContext('gc'));
      collect();
      collect();
    }
    if (message.type === 'heap-snapshot') writeHeapSnapshot(message.path);
    const report = snapshot();
    if (message.type === 'report' && message.reset) reset();
    send({ type: 'probe-answer', id: message.id, report });
  });
  // The IPC channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}

/** Tells the driver where this process listens. */
export function announceListening(/** @type {number} */ port) {
  process.send?.({ type: 'listening', port });
}
