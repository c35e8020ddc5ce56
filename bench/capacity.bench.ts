// npm run bench:capacity — how many chat turns one host process serves, what each costs in CPU, and
// how the latency tail behaves below and beyond capacity. Prints figures and ratios; asserts nothing.
//
// Processes: the built host (core/dist, embedded store unless MONGODB_URL is set, no Redis, rate limits
// off), a bare Fastify route doing a turn's irreducible work (two model calls over keep-alive HTTP and
// one SQLite insert: the in-run baseline), and the scripted OpenAI-compatible model, each in its own
// process; this process drives the load. Every turn is a ContinueConversation: two model round trips,
// one datetime tool call, the history read and the turn's append (the run stops before measuring when the
// seeding turns' tool call did not succeed: a host without its tools would measure less). Each process
// measures itself (bench/capacity/process-probe.mjs): CPU time, RSS, event-loop delay, GC pauses.
//
// Where a slow turn's time went (printed under every step): each server stamps its responses with when
// it accepted the connection and read the request's headers (node:http's diagnostics channels), so every
// latency splits into the generator's own lag, the wait before the server read the request (on a new
// connection: connecting, waiting in the accept queue, accepted → read) and the server's time and the way
// back; the mean split of the slowest 1 % of accepted turns and of refusals is printed. Every process's
// event-loop stalls (a 10 ms tick > 20 ms late) are split, from the main thread's /proc schedstat, into
// time it ran (and how much of that was GC), time it waited for a CPU (other processes on the machine)
// and time it slept or blocked (a lock, synchronous I/O); this process, the load generator, measures
// itself the same way. The machine's TCP listen overflows and SYN retransmissions over the step are
// printed when there were any.
//
//  1. Warm-up: BENCH_WARMUP_TURNS turns (closed loop) so the JIT, caches and the heap settle.
//  2. Capacity: closed loop (BENCH_CONNECTIONS senders) against the bare route and the host, alternating,
//     BENCH_CLOSED_ROUNDS times: turns/s and CPU per turn (process CPU ÷ turns); the medians are the figures.
//  2b. CPU split (BENCH_PHASES "split"): one more closed-loop round with the V8 profiler running in the host
//     (node:inspector, started and stopped over the probe), split by part of the turn and by component.
//  3. Ladder: open loop at fractions of the host's capacity (BENCH_LADDER), BENCH_STEP_SECONDS each,
//     BENCH_LADDER_ROUNDS times; latency from each request's scheduled start; p50/p99/max, event-loop
//     delay, GC, RSS per step. The bare route runs the same absolute rates once (the machine's own noise).
//  4. Overload: 2× capacity for BENCH_OVERLOAD_SECONDS, with a probe at 0.3× capacity from the end of the
//     burst: accepted and refused turns (p99 of each), and how long until the probe answers in ≤ 50 ms.
//  5. Memory: BENCH_MEMORY_TURNS turns at BENCH_MEMORY_RATE × capacity, RSS every tenth of them and the
//     heap after a forced GC at the end.
//  6. Redis loss (when redis-server is installed): a second host with a private Redis, session turns
//     (session_metadata, resolved through Redis) at 50% of capacity; Redis is killed for a third of the
//     phase, then restarted: p99, refusals and failures before, during and after.
//  7. Store cost (when MONGODB_URL is set): the store operations of one turn, counted with command
//     monitoring, and the plan of each query (bench/capacity/store-cost.ts).
//
// BENCH_QUICK=1 runs a short smoke version of everything; BENCH_PHASES picks the sections after the
// capacity measurement (default "split,ladder,overload,memory,redis,store"; "split" is one more
// closed-loop round under the V8 sampling profiler, printed as the host's CPU split by component). Other knobs: BENCH_CONVERSATIONS,
// BENCH_BARE_LADDER=0, BENCH_REDIS_LOSS_SECONDS, BENCH_JSON=<file> (all figures as JSON),
// BENCH_PROFILE_DIR (--cpu-prof of the host; bench/capacity/summarize-cpu-profile.ts splits it by
// component), BENCH_HEAP_SNAPSHOT_DIR (host heap snapshots after the warm-up and at the end),
// BENCH_SPLIT_PROFILE_OUT=<file> (keep the split phase's .cpuprofile; with BENCH_HOST_ENV=BENCH_HEAP_SAMPLE=1 also
// <file>.heapprofile: the host's allocations over that round that survived a scavenge),
// BENCH_SPLIT_RATE=<fraction> (the split phase open loop at that fraction of capacity instead of closed loop),
// BENCH_PIN=1 (hosts on CPU 0, this process, the model and the bare route on CPU 1: what of a figure is the
// machine's sharing of two cores),
// BENCH_HOST_NODE_ARGS (e.g. "--trace-gc"), BENCH_HOST_LOG=<file> (the host's stdout),
// BENCH_HOST_ENV="NAME=value,…" (extra host environment, e.g. admission-control settings, or HTTP_ACCEPT_SLOTS=1 to
// run the overload phase with Node's single accepting descriptor),
// BENCH_OVERLOAD_RATE=<turns/s> (the overload phase at a fixed rate instead of 2× the capacity just measured, so
// two runs compare at the same offered load), BENCH_LADDER_BASE=<turns/s> (the ladder's fractions of this rate
// instead of the capacity just measured: two builds of different capacity compared at the same absolute rates),
// BENCH_HOST_ROOT=<checkout> (measure the built host of another checkout, e.g. main, with this benchmark),
// BENCH_COMPARE_ROOT=<checkout> (also start that checkout's host and measure it in the same capacity rounds,
// alternating with this one: a before/after comparison under the same machine load), BENCH_COMPARE_ENV="NAME=value,…"
// (extra environment of that host only, over BENCH_HOST_ENV: e.g. this checkout against itself with EMBEDDED_STORE_THREAD=0).
// The machine's load average is printed at the start and the end: wall-clock figures on a shared
// machine are noisy, CPU per turn and the ratios to the bare route much less so.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startPrivateRedis, type PrivateRedisServer } from '../tests/support/redis-server.js';
import { median, percentile } from './bench-support.js';
import { BARE_TURN_PATH } from './capacity/bare-turn-process.js';
import { startBenchProcess, type BenchProcess } from './capacity/bench-process.js';
import { createSelfMonitor, type ProcessReport } from './capacity/process-probe.mjs';
import { readTcpCounters, tcpCountersSince, type TcpCounters } from './capacity/tcp-counters.js';
import { BENCH_CHAT_MODEL, BENCH_TITLE_MODEL } from './capacity/fake-model-process.js';
import { seedConversations } from './capacity/seed-conversations.js';
import { cpuSplit, printCpuSplit, type CpuProfile } from './capacity/summarize-cpu-profile.js';
import { format, printStep, stepFigures, type Interval, type StepFigures } from './capacity/step-figures.js';
import { measureStoreCost } from './capacity/store-cost.js';
import { closedLoop, openLoop, TurnClient, type LatencyParts, type Outcome } from './capacity/turn-load.js';

const hostRoot = process.env.BENCH_HOST_ROOT || fileURLToPath(new URL('../', import.meta.url));
/** Another checkout (built) whose host runs next to this one in the capacity rounds: before/after on one machine state. */
const compareRoot = process.env.BENCH_COMPARE_ROOT || undefined;
const quick = process.env.BENCH_QUICK === '1';
const number = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
const settings = {
  conversations: number('BENCH_CONVERSATIONS', quick ? 400 : 8000),
  warmUpTurns: number('BENCH_WARMUP_TURNS', quick ? 1500 : 10_000),
  connections: number('BENCH_CONNECTIONS', 50),
  closedSeconds: number('BENCH_CLOSED_SECONDS', quick ? 4 : 10),
  closedRounds: number('BENCH_CLOSED_ROUNDS', quick ? 1 : 3),
  ladder: (process.env.BENCH_LADDER ?? '0.1,0.3,0.5,0.7,0.9').split(',').map(Number),
  stepSeconds: number('BENCH_STEP_SECONDS', quick ? 4 : 15),
  ladderRounds: number('BENCH_LADDER_ROUNDS', quick ? 1 : 3),
  bareLadder: process.env.BENCH_BARE_LADDER !== '0',
  overloadSeconds: number('BENCH_OVERLOAD_SECONDS', quick ? 3 : 5),
  /** A fixed overload rate (turns/s) instead of 2× the capacity just measured: before/after runs at the same offered load. */
  overloadRate: number('BENCH_OVERLOAD_RATE', 0),
  ladderBase: number('BENCH_LADDER_BASE', 0),
  memoryTurns: number('BENCH_MEMORY_TURNS', quick ? 3000 : 50_000),
  memoryRate: number('BENCH_MEMORY_RATE', 0.7),
  /** The split phase at this fraction of capacity, open loop, instead of closed loop (0: closed loop). */
  splitRate: number('BENCH_SPLIT_RATE', 0),
  redisLossSeconds: number('BENCH_REDIS_LOSS_SECONDS', quick ? 9 : 30),
  /** BENCH_PIN=1: the host (and the compared host) on CPU 0, everything else of the bench on CPU 1. */
  pin: process.env.BENCH_PIN === '1',
  phases: new Set((process.env.BENCH_PHASES ?? 'split,ladder,overload,memory,redis,store').split(',').map((phase) => phase.trim())),
};
const API_KEY = 'acai_bench_key_0123456789abcdefghij';
const MODEL_KEY = 'sk-bench-model-key';
const TENANT = 'bench';
const MESSAGE = 'And what time is it now?';
const TURN_PATH = '/twirp/acai.chat.ChatService/ContinueConversation';
const mongodbUrl = process.env.MONGODB_URL || undefined;
const mongoDatabase = mongodbUrl ? `bench_capacity_${Date.now().toString(36)}` : undefined;
const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;

const megabytes = (bytes: number): string => format(bytes / 1024 / 1024, 0);

/** One line of what a process's RSS is made of: anonymous vs file pages, threads, V8's heap spaces (committed/used), off-heap. */
function memoryBreakdown(report: ProcessReport): string {
  const { memory } = report;
  const space = (name: string): string => {
    const found = memory.heapSpaces.find((entry) => entry.name === name);
    return found ? `${megabytes(found.committedBytes)}/${megabytes(found.usedBytes)}` : '-';
  };
  return (
    `rss ${megabytes(report.rssBytes)} MB (anon ${megabytes(memory.rssAnonBytes)}, file ${megabytes(memory.rssFileBytes)}), ${memory.threads} threads; ` +
    `V8 heap committed/used: total ${megabytes(report.heapTotalBytes)}/${megabytes(report.heapUsedBytes)}, new ${space('new_space')}, old ${space('old_space')}, ` +
    `code ${space('code_space')}, large ${space('large_object_space')}; external ${megabytes(report.externalBytes)} (array buffers ${megabytes(memory.arrayBuffersBytes)})`
  );
}
const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** This process (the load generator): its own loop delay and GC, a suspect of every latency it measures. */
const driverMonitor = createSelfMonitor();

/** Runs `run` between two probe readings of each process (resetting their loop-delay and GC windows). */
async function measure<T>(processes: readonly BenchProcess[], run: () => Promise<T>): Promise<{ result: T; intervals: Interval[]; driver: ProcessReport; tcp: TcpCounters }> {
  const before = await Promise.all(processes.map((child) => child.report(true)));
  driverMonitor.reset();
  const tcpBefore = readTcpCounters();
  const result = await run();
  const driver = driverMonitor.snapshot();
  const tcp = tcpCountersSince(tcpBefore);
  const after = await Promise.all(processes.map((child) => child.report(true)));
  return { result, driver, tcp, intervals: after.map((report, index) => ({ cpuMs: report.cpuMs - before[index]!.cpuMs, after: report })) };
}

/** What every phase works with. */
interface Bench {
  readonly model: BenchProcess;
  readonly host: BenchProcess;
  readonly bare: BenchProcess;
  readonly hostClient: TurnClient;
  readonly bareClient: TurnClient;
  readonly bodies: readonly string[];
  /** BENCH_COMPARE_ROOT's host and its client, when set. */
  readonly compare?: { readonly host: BenchProcess; readonly client: TurnClient } | undefined;
  readonly saved: Record<string, unknown>;
}

const scratch = await mkdtemp(join(tmpdir(), 'acai-bench-capacity-'));
const running: BenchProcess[] = [];
let redis: PrivateRedisServer | undefined;

/** "NAME=value,…" as environment entries. */
function environmentPairs(text: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (text ?? '')
      .split(',')
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
  );
}

function hostEnvironment(model: BenchProcess, dataDir: string, extra: Record<string, string> = {}, root = hostRoot): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PLUGINS_CONFIG: join(root, 'plugins.config.json'),
    BENCH_HOST_ROOT: root,
    RATE_LIMIT_PER_MINUTE: '0',
    OPENAI_API_KEY: MODEL_KEY,
    OPENAI_BASE_URL: `${model.url}/v1`,
    OPENAI_MODEL: BENCH_CHAT_MODEL,
    OPENAI_TITLE_MODEL: BENCH_TITLE_MODEL,
    LOG_LEVEL: 'info',
    ACAI_API_KEYS: `${API_KEY}:${TENANT}:chat`,
    ACAI_DATA_DIR: dataDir,
    ...(mongodbUrl ? { MONGODB_URL: mongodbUrl, MONGODB_DATABASE: mongoDatabase! } : {}),
    ...environmentPairs(process.env.BENCH_HOST_ENV),
    ...extra,
  };
}

async function startHostProcess(name: string, model: BenchProcess, dataDir: string, extra: Record<string, string> = {}, root = hostRoot): Promise<BenchProcess> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const host = await startBenchProcess({
    name,
    script: 'bench/capacity/host-process.mjs',
    env: hostEnvironment(model, dataDir, extra, root),
    nodeArgs: [...profile, ...(process.env.BENCH_HOST_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    stdoutFile: process.env.BENCH_HOST_LOG,
  });
  running.push(host);
  return host;
}

async function rpc(host: BenchProcess, method: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${host.url}/twirp/acai.chat.ChatService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Starts a conversation through `host` and copies it into the conversations its turns continue. */
async function seedHost(host: BenchProcess, dataDir: string, root: string): Promise<string[]> {
  const first = await rpc(host, 'StartConversation', { message: 'What time is it?' });
  await rpc(host, 'ContinueConversation', { conversation_id: first.conversation_id, message: MESSAGE });
  const location = { mongodbUrl, mongoDatabase: mongodbUrl && root !== hostRoot ? `${mongoDatabase}_compare` : mongoDatabase, dataDir, hostRoot: root };
  const seeded = await seedConversations(location, TENANT, String(first.conversation_id), settings.conversations);
  return seeded.map((id) => JSON.stringify({ conversation_id: id, message: MESSAGE }));
}

async function setUp(saved: Record<string, unknown>): Promise<Bench> {
  const model = await startBenchProcess({ name: 'model', script: 'bench/capacity/fake-model-process.ts', args: [MODEL_KEY], env: { PATH: process.env.PATH ?? '' } });
  running.push(model);
  const dataDir = join(scratch, 'host');
  const host = await startHostProcess('host', model, dataDir);
  const bare = await startBenchProcess({
    name: 'bare',
    script: 'bench/capacity/bare-turn-process.ts',
    args: [`${model.url}/v1`, MODEL_KEY, join(scratch, 'bare')],
    env: { PATH: process.env.PATH ?? '' },
  });
  running.push(bare);
  const bodies = await seedHost(host, dataDir, hostRoot);
  console.log(`seeded ${bodies.length} conversations of 4 messages (each turn continues the next one, round-robin)`);
  let compare: Bench['compare'];
  if (compareRoot) {
    const compareDir = join(scratch, 'compare');
    const extra: Record<string, string> = mongodbUrl ? { MONGODB_DATABASE: `${mongoDatabase}_compare` } : {};
    // After BENCH_HOST_ENV, so one build can be compared with itself under other settings.
    Object.assign(extra, environmentPairs(process.env.BENCH_COMPARE_ENV));
    const compareHost = await startHostProcess('compare', model, compareDir, extra, compareRoot);
    const compareBodies = await seedHost(compareHost, compareDir, compareRoot);
    compare = { host: compareHost, client: new TurnClient({ url: compareHost.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies: compareBodies }, 2000) };
    console.log(`comparing with the host of ${compareRoot} (its own store and conversations) in the capacity rounds`);
  }
  return {
    model,
    host,
    bare,
    bodies,
    saved,
    compare,
    hostClient: new TurnClient({ url: host.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies }, 2000),
    bareClient: new TurnClient({ url: bare.url, path: BARE_TURN_PATH, headers: {}, bodies }, 2000),
  };
}

async function warmUp(bench: Bench): Promise<void> {
  const run = await measure([bench.host, bench.model], () => closedLoop(bench.hostClient, settings.connections, 3_600_000, settings.warmUpTurns));
  await closedLoop(bench.bareClient, settings.connections, 3_600_000, Math.min(2000, settings.warmUpTurns));
  if (bench.compare) await closedLoop(bench.compare.client, settings.connections, 3_600_000, settings.warmUpTurns);
  const step = stepFigures('warm-up (closed)', 0, run.result, run.intervals[0]!, run.intervals[1]!, run);
  console.log(`\n1. warm-up: ${run.result.ok.length} turns`);
  printStep(step, run.result.failures);
  bench.saved.warmUp = step;
  if (snapshotDir) {
    const report = await bench.host.writeHeapSnapshot(join(snapshotDir, 'after-warm-up.heapsnapshot'));
    console.log(`  heap snapshot: ${join(snapshotDir, 'after-warm-up.heapsnapshot')} (rss ${megabytes(report.rssBytes)} MB)`);
  }
}

/** The host's capacity (turns/s) from alternating closed-loop rounds against the bare route and the host. */
async function measureCapacity(bench: Bench): Promise<number> {
  console.log(`\n2. capacity: closed loop, ${settings.connections} connections, ${settings.closedSeconds} s, ${settings.closedRounds} round(s)`);
  const hostRounds: StepFigures[] = [];
  const bareRounds: StepFigures[] = [];
  const compareRounds: StepFigures[] = [];
  for (let round = 1; round <= settings.closedRounds; round += 1) {
    const bareRun = await measure([bench.bare, bench.model], () => closedLoop(bench.bareClient, settings.connections, settings.closedSeconds * 1000));
    bareRounds.push(stepFigures(`bare route, round ${round}`, 0, bareRun.result, bareRun.intervals[0]!, bareRun.intervals[1]!, bareRun));
    printStep(bareRounds.at(-1)!, bareRun.result.failures);
    const hostRun = await measure([bench.host, bench.model], () => closedLoop(bench.hostClient, settings.connections, settings.closedSeconds * 1000));
    hostRounds.push(stepFigures(`host, round ${round}`, 0, hostRun.result, hostRun.intervals[0]!, hostRun.intervals[1]!, hostRun));
    printStep(hostRounds.at(-1)!, hostRun.result.failures);
    if (bench.compare) {
      const { host, client } = bench.compare;
      const compareRun = await measure([host, bench.model], () => closedLoop(client, settings.connections, settings.closedSeconds * 1000));
      compareRounds.push(stepFigures(`compare, round ${round}`, 0, compareRun.result, compareRun.intervals[0]!, compareRun.intervals[1]!, compareRun));
      printStep(compareRounds.at(-1)!, compareRun.result.failures);
    }
  }
  const capacity = median(hostRounds.map((step) => step.throughput));
  const bareCapacity = median(bareRounds.map((step) => step.throughput));
  const cpuPerTurn = median(hostRounds.map((step) => step.cpuPerTurnMs));
  const bareCpuPerTurn = median(bareRounds.map((step) => step.cpuPerTurnMs));
  const modelCpuPerTurn = median(hostRounds.map((step) => step.modelCpuPerTurnMs));
  console.log(`  capacity: host ${format(capacity, 0)} turns/s, bare route ${format(bareCapacity, 0)} turns/s → host/bare ${format(capacity / bareCapacity, 2)}`);
  console.log(`  CPU per turn: host ${format(cpuPerTurn, 2)} ms, bare route ${format(bareCpuPerTurn, 2)} ms → host/bare ${format(cpuPerTurn / bareCpuPerTurn, 1)}×; model process ${format(modelCpuPerTurn, 2)} ms`);
  // Other processes competing for the cores only ever add CPU to a turn (preemption, cold caches): on a
  // shared machine the least disturbed round is the better estimate of what a turn costs.
  const best = (rounds: readonly StepFigures[]) => ({ throughput: Math.max(...rounds.map((step) => step.throughput)), cpuPerTurnMs: Math.min(...rounds.map((step) => step.cpuPerTurnMs)) });
  const bestHost = best(hostRounds);
  const bestBare = best(bareRounds);
  console.log(`  best round: host ${format(bestHost.throughput, 0)} turns/s at ${format(bestHost.cpuPerTurnMs, 2)} ms CPU per turn, bare route ${format(bestBare.throughput, 0)} turns/s at ${format(bestBare.cpuPerTurnMs, 2)} ms`);
  bench.saved.capacity = { host: capacity, bare: bareCapacity, cpuPerTurnMs: cpuPerTurn, bareCpuPerTurnMs: bareCpuPerTurn, modelCpuPerTurnMs: modelCpuPerTurn, bestHost, bestBare, hostRounds, bareRounds };
  if (compareRounds.length > 0) {
    const compareCapacity = median(compareRounds.map((step) => step.throughput));
    const compareCpu = median(compareRounds.map((step) => step.cpuPerTurnMs));
    const bestCompare = best(compareRounds);
    console.log(`  compared with ${compareRoot}: capacity ${format(compareCapacity, 0)} turns/s (this host ${format(capacity / compareCapacity, 2)}×), CPU per turn ${format(compareCpu, 2)} ms (this host ${format(cpuPerTurn / compareCpu, 2)}×)`);
    console.log(`  best rounds: ${format(bestCompare.throughput, 0)} turns/s at ${format(bestCompare.cpuPerTurnMs, 2)} ms (this host ${format(bestHost.throughput / bestCompare.throughput, 2)}× the turns/s, ${format(bestHost.cpuPerTurnMs / bestCompare.cpuPerTurnMs, 2)}× the CPU per turn)`);
    bench.saved.compare = { root: compareRoot, capacity: compareCapacity, cpuPerTurnMs: compareCpu, best: bestCompare, rounds: compareRounds };
  }
  return capacity;
}

/**
 * One more closed-loop round with the V8 CPU profiler running in the host: where a turn's CPU goes, by
 * part of the turn and by component, scaled to the CPU per turn measured without the profiler.
 */
async function measureCpuSplit(bench: Bench, cpuPerTurnMs: number, capacity: number): Promise<void> {
  const file = join(scratch, 'host.cpuprofile');
  const rate = settings.splitRate * capacity;
  await bench.host.startProfile();
  const run = rate > 0
    ? await openLoop(bench.hostClient, rate, settings.closedSeconds * 1000)
    : await closedLoop(bench.hostClient, settings.connections, settings.closedSeconds * 1000);
  await bench.host.stopProfile(file);
  if (process.env.BENCH_SPLIT_PROFILE_OUT) {
    await copyFile(file, process.env.BENCH_SPLIT_PROFILE_OUT);
    // The host's allocation sample, when BENCH_HOST_ENV set BENCH_HEAP_SAMPLE=1 (process-probe.mjs).
    await copyFile(`${file}.heapprofile`, `${process.env.BENCH_SPLIT_PROFILE_OUT}.heapprofile`).catch(() => undefined);
  }
  const split = cpuSplit(JSON.parse(await readFile(file, 'utf8')) as CpuProfile);
  // Open loop: the capacity round's CPU per turn does not apply (less batching), so the profile's own
  // busy time per turn scales the shares (the profiler's overhead included).
  const perTurnMs = rate > 0 ? split.busyMs / Math.max(1, run.ok.length) : cpuPerTurnMs;
  const round = rate > 0 ? `open-loop round at ${format(rate, 0)} turns/s` : 'closed-loop round';
  console.log(`\n2b. host CPU split (sampling profiler over one more ${settings.closedSeconds} s ${round}, ${run.ok.length} turns; main thread only, shares × ${format(perTurnMs, 2)} ms/turn)`);
  printCpuSplit(split, { cpuPerTurnMs: perTurnMs, maxComponents: 15 });
  bench.saved.cpuSplit = { turns: run.ok.length, busyMs: split.busyMs, groups: split.groups, components: split.components.slice(0, 40) };
}

/**
 * Pins every thread of the hosts (and their children) to CPU 0 and this process, the model and the bare
 * route to CPU 1: the host then never shares its core with the load it is measured under. What it shows
 * is how much of a figure is the machine (processes taking turns on two cores), not the host.
 */
function pinProcesses(bench: Bench): void {
  const tree = (pid: number): number[] => {
    const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    return [pid, ...children.flatMap(tree)];
  };
  const safeTree = (pid: number | undefined): number[] => {
    if (pid === undefined) return [];
    try {
      return tree(pid);
    } catch {
      return [pid];
    }
  };
  const pin = (cpu: number, pids: readonly number[]): void => {
    for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  };
  pin(0, [...safeTree(bench.host.child.pid), ...safeTree(bench.compare?.host.child.pid)]);
  pin(1, [process.pid, ...[bench.model, bench.bare].flatMap((other) => safeTree(other.child.pid))]);
  console.log('pinned: hosts on CPU 0; load generator, model and bare route on CPU 1');
}

/** The rate the ladder's fractions apply to: BENCH_LADDER_BASE when set, else the measured capacity. */
function ladderBase(measuredCapacity: number): number {
  return settings.ladderBase > 0 ? settings.ladderBase : measuredCapacity;
}

async function runLadder(bench: Bench, measuredCapacity: number): Promise<StepFigures[]> {
  const capacity = ladderBase(measuredCapacity);
  const basis = settings.ladderBase > 0 ? ' (BENCH_LADDER_BASE, not the capacity just measured)' : '';
  console.log(`\n3. open-loop ladder: ${settings.ladder.map((fraction) => `${fraction * 100}%`).join(', ')} of ${format(capacity, 0)} turns/s${basis}, ${settings.stepSeconds} s each, ${settings.ladderRounds} round(s)`);
  const ladder: StepFigures[] = [];
  const bareLadder: StepFigures[] = [];
  for (let round = 1; round <= settings.ladderRounds; round += 1) {
    for (const fraction of settings.ladder) {
      const rate = fraction * capacity;
      const run = await measure([bench.host, bench.model], () => openLoop(bench.hostClient, rate, settings.stepSeconds * 1000));
      ladder.push(stepFigures(`host ${fraction * 100}% (${format(rate, 0)}/s) r${round}`, rate, run.result, run.intervals[0]!, run.intervals[1]!, run));
      printStep(ladder.at(-1)!, run.result.failures);
      if (round === 1 && settings.bareLadder) {
        const bareRun = await measure([bench.bare, bench.model], () => openLoop(bench.bareClient, rate, settings.stepSeconds * 1000));
        bareLadder.push(stepFigures(`bare ${fraction * 100}% (${format(rate, 0)}/s)`, rate, bareRun.result, bareRun.intervals[0]!, bareRun.intervals[1]!, bareRun));
        printStep(bareLadder.at(-1)!, bareRun.result.failures);
      }
    }
  }
  bench.saved.ladder = ladder;
  bench.saved.bareLadder = bareLadder;
  return ladder;
}

/** Latencies of the answers whose scheduled start fell after `fromMs`, for a recovery time. */
function recoveryTime(late: readonly number[], spacingMs: number): number {
  return late.length === 0 ? 0 : Math.max(...late) + spacingMs;
}

/** One probe answer after an overload burst: when it was scheduled (ms after the burst), and whether it was slow (> 50 ms or not ok). */
interface ProbeAnswer {
  readonly scheduledAt: number;
  readonly slow: boolean;
  readonly latency: number;
}

/**
 * When the host is back to normal after a burst: the start (in 100 ms steps) of the first whole second
 * whose probes were all answered in ≤ 50 ms. Unlike the time of the last slow answer, a stall seconds
 * later that would have hit the probe at any time (a GC pause, another process holding the CPU) does not
 * count as the burst's backlog.
 */
function firstCleanSecond(answers: readonly ProbeAnswer[]): number | undefined {
  const last = Math.max(0, ...answers.map((answer) => answer.scheduledAt));
  for (let start = 0; start + 1000 <= last + 1; start += 100) {
    const window = answers.filter((answer) => answer.scheduledAt >= start && answer.scheduledAt < start + 1000);
    if (window.length > 0 && window.every((answer) => !answer.slow)) return start;
  }
  return undefined;
}

/** The probe's p99 latency in each second after the burst. */
function probeP99BySecond(answers: readonly ProbeAnswer[], seconds: number): string[] {
  return Array.from({ length: seconds }, (_, second) =>
    format(percentile(answers.filter((answer) => Math.floor(answer.scheduledAt / 1000) === second).map((answer) => answer.latency), 0.99), 0),
  );
}

async function runOverload(bench: Bench, capacity: number): Promise<{ burst: StepFigures; recoveryMs: number }> {
  const overloadRate = settings.overloadRate > 0 ? settings.overloadRate : 2 * capacity;
  const probeRate = 0.3 * (overloadRate / 2);
  const probeSeconds = 6;
  console.log(`\n4. overload: ${format(overloadRate, 0)} turns/s (${format(overloadRate / capacity, 1)}× capacity) for ${settings.overloadSeconds} s, then a probe at ${format(probeRate, 0)}/s for ${probeSeconds} s`);
  // The probe has its own connections, so it measures the server, not a queue in this process.
  const probeClient = new TurnClient({ url: bench.host.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies: [...bench.bodies].reverse() }, 2000);
  const probeAnswers: ProbeAnswer[] = [];
  const run = await measure([bench.host, bench.model], async () => {
    const burst = openLoop(bench.hostClient, overloadRate, settings.overloadSeconds * 1000);
    await sleep(settings.overloadSeconds * 1000);
    const probe = openLoop(probeClient, probeRate, probeSeconds * 1000, (scheduledAt, latency, outcome) => {
      probeAnswers.push({ scheduledAt, slow: outcome !== 'ok' || latency > 50, latency });
    });
    return { burst: await burst, probe: await probe };
  });
  probeClient.close();
  const burst = stepFigures('burst 2×', overloadRate, run.result.burst, run.intervals[0]!, run.intervals[1]!, run);
  printStep(burst, run.result.burst.failures);
  const probe = run.result.probe;
  const recoveryMs = recoveryTime(probeAnswers.filter((answer) => answer.slow).map((answer) => answer.scheduledAt), 1000 / probeRate);
  const retryAfter = [...run.result.burst.retryAfter].join(', ') || 'none';
  console.log(`  accepted ${burst.ok} (p99 ${format(burst.p99, 0)} ms), refused ${burst.refused} (p99 ${format(burst.refusedP99, 0)} ms, Retry-After ${retryAfter}), failed ${burst.failed}`);
  const cleanSecondMs = firstCleanSecond(probeAnswers);
  console.log(`  probe after the burst: p50 ${format(percentile(probe.ok, 0.5), 0)} p99 ${format(percentile(probe.ok, 0.99), 0)} ms, refused ${probe.refused.length}, failed ${probe.failed.length}; answers ≤ 50 ms from ${format(recoveryMs / 1000, 2)} s after the burst (the last slow one)`);
  console.log(`  back to normal: the first whole second of probes all answered ≤ 50 ms starts ${cleanSecondMs === undefined ? 'never' : `${format(cleanSecondMs / 1000, 2)} s`} after the burst; probe p99 per second: ${probeP99BySecond(probeAnswers, probeSeconds).join(' / ')} ms`);
  // Node 20's libuv accepts one connection per event-loop iteration, so a request on a new connection waits
  // for the iterations of every connection queued before it; on a connection already open it does not.
  const byConnection = (parts: readonly LatencyParts[], isNew: boolean): number[] => parts.filter((part) => (part.connection !== undefined) === isNew).map((part) => part.total);
  const split = Object.fromEntries(
    (['open', 'new'] as const).map((kind) => {
      const accepted = byConnection(run.result.burst.parts, kind === 'new');
      const refused = byConnection(run.result.burst.refusedParts, kind === 'new');
      return [kind, { accepted: accepted.length, acceptedP99: percentile(accepted, 0.99), refused: refused.length, refusedP99: percentile(refused, 0.99) }];
    }),
  );
  for (const [kind, figures] of Object.entries(split)) {
    console.log(
      `  on ${kind === 'open' ? 'connections already open' : 'new connections'}: accepted ${figures.accepted} (p99 ${format(figures.acceptedP99, 0)} ms), refused ${figures.refused} (p99 ${format(figures.refusedP99, 0)} ms)`,
    );
  }
  bench.saved.overload = { burst, recoveryMs, cleanSecondMs, byConnection: split, probe: { p50: percentile(probe.ok, 0.5), p99: percentile(probe.ok, 0.99), refused: probe.refused.length, failed: probe.failed.length } };
  // Let any backlog drain before the next phase.
  await closedLoop(bench.hostClient, 1, 3_600_000, 1);
  return { burst, recoveryMs };
}

async function runMemory(bench: Bench, capacity: number): Promise<void> {
  const rate = settings.memoryRate * capacity;
  console.log(`\n5. memory: ${settings.memoryTurns} turns at ${format(rate, 0)}/s (${settings.memoryRate * 100}% of capacity)`);
  const samples: Array<{ turns: number; rssMb: number; heapMb: number }> = [];
  const start = await bench.host.collectGarbage();
  console.log(`  before: rss ${megabytes(start.rssBytes)} MB, heap ${megabytes(start.heapUsedBytes)} MB (after GC)`);
  console.log(`    ${memoryBreakdown(start)}`);
  let largest: ProcessReport | undefined;
  let answered = 0;
  const sampleEvery = Math.max(500, Math.round(settings.memoryTurns / 10));
  const sampling: Array<Promise<void>> = [];
  const run = await measure([bench.host, bench.model], () =>
    openLoop(bench.hostClient, rate, (settings.memoryTurns / rate) * 1000, () => {
      answered += 1;
      if (answered % sampleEvery !== 0) return;
      const turns = answered;
      sampling.push(
        bench.host.report().then((report) => {
          samples.push({ turns, rssMb: report.rssBytes / 1024 / 1024, heapMb: report.heapUsedBytes / 1024 / 1024 });
          if (largest === undefined || report.rssBytes > largest.rssBytes) largest = report;
        }),
      );
    }),
  );
  await Promise.all(sampling);
  const step = stepFigures('memory run', rate, run.result, run.intervals[0]!, run.intervals[1]!, run);
  printStep(step, run.result.failures);
  console.log(`  rss by turns: ${samples.map((sample) => `${sample.turns}: ${format(sample.rssMb, 0)} MB`).join(', ')}`);
  const end = await bench.host.collectGarbage();
  const maxRss = Math.max(...samples.map((sample) => sample.rssMb));
  console.log(`  after: rss ${megabytes(end.rssBytes)} MB, heap ${megabytes(end.heapUsedBytes)} MB (after GC); max rss sampled ${format(maxRss, 0)} MB`);
  if (largest !== undefined) console.log(`    at the largest sample: ${memoryBreakdown(largest)}`);
  console.log(`    after GC: ${memoryBreakdown(end)}`);
  bench.saved.memory = {
    step,
    samples,
    startRssMb: start.rssBytes / 1024 / 1024,
    endRssMb: end.rssBytes / 1024 / 1024,
    endHeapMb: end.heapUsedBytes / 1024 / 1024,
    maxRssMb: maxRss,
    detail: { start: start.memory, largest: largest?.memory, end: end.memory },
  };
}

async function runRedisLoss(bench: Bench, capacity: number): Promise<void> {
  redis = await startPrivateRedis().catch((error: unknown) => {
    console.log(`\n6. Redis loss: skipped (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  });
  if (!redis) return;
  const server = redis;
  const rate = 0.5 * capacity;
  const phaseMs = (settings.redisLossSeconds * 1000) / 3;
  console.log(`\n6. Redis loss: session turns at ${format(rate, 0)}/s (50% of capacity); Redis killed from ${format(phaseMs / 1000, 0)} s to ${format((2 * phaseMs) / 1000, 0)} s`);
  const sessionHost = await startHostProcess('host+redis', bench.model, join(scratch, 'sessions'), { REDIS_URL: server.url, REDIS_KEY_PREFIX: 'bench:' });
  const sessions = Array.from({ length: Math.min(settings.conversations, 2000) }, (_, index) => ({ platform: 'bench', user_id: `user-${index}`, chat_id: `chat-${index}` }));
  const sessionBodies = sessions.map((session) => JSON.stringify({ session_metadata: session, message: MESSAGE }));
  const client = new TurnClient({ url: sessionHost.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies: sessionBodies }, 2000);
  // Every session gets its conversation first (new sessions start one, with a title), then warms up.
  await closedLoop(client, 8, 3_600_000, sessions.length);
  await closedLoop(client, settings.connections, 3_600_000, Math.min(3000, settings.warmUpTurns));
  const names = ['with Redis', 'Redis down', 'Redis back'];
  const phases = names.map(() => ({ ok: [] as number[], refused: [] as number[], failed: 0 }));
  const slowAfterReturn: number[] = [];
  const killing = sleep(phaseMs).then(() => server.kill());
  const restarting = sleep(2 * phaseMs).then(() => server.restart());
  const run = await measure([sessionHost, bench.model], () =>
    openLoop(client, rate, 3 * phaseMs, (scheduledAt: number, latency: number, outcome: Outcome) => {
      const phase = phases[Math.min(2, Math.floor(scheduledAt / phaseMs))]!;
      if (outcome === 'ok') phase.ok.push(latency);
      else if (outcome === 'refused') phase.refused.push(latency);
      else phase.failed += 1;
      if (scheduledAt >= 2 * phaseMs && (outcome !== 'ok' || latency > 50)) slowAfterReturn.push(scheduledAt - 2 * phaseMs);
    }),
  );
  await Promise.all([killing, restarting]);
  const summaries = phases.map((phase, index) => ({
    name: names[index]!,
    ok: phase.ok.length,
    p50: percentile(phase.ok, 0.5),
    p99: percentile(phase.ok, 0.99),
    max: phase.ok.length > 0 ? Math.max(...phase.ok) : Number.NaN,
    refused: phase.refused.length,
    refusedP99: percentile(phase.refused, 0.99),
    failed: phase.failed,
  }));
  for (const phase of summaries) {
    console.log(
      `  ${phase.name.padEnd(11)} ok ${String(phase.ok).padStart(5)}  p50 ${format(phase.p50, 0).padStart(4)}  p99 ${format(phase.p99, 0).padStart(5)}  max ${format(phase.max, 0).padStart(5)} ms  refused ${phase.refused} (p99 ${format(phase.refusedP99, 0)} ms)  failed ${phase.failed}`,
    );
  }
  const recoveryMs = recoveryTime(slowAfterReturn, 1000 / rate);
  const loop = run.intervals[0]!.after.loopDelay;
  console.log(`  loop delay p99 ${format(loop.p99, 0)} / max ${format(loop.max, 0)} ms; after Redis returned, answers ≤ 50 ms from ${format(recoveryMs / 1000, 2)} s`);
  bench.saved.redisLoss = { rate, phases: summaries, recoveryMs };
  client.close();
  await sessionHost.stop();
}

const saved: Record<string, unknown> = { settings: { ...settings, phases: [...settings.phases] }, store: mongodbUrl ? 'mongodb' : 'embedded', loadAverageAtStart: loadAverage() };
try {
  console.log(`bench:capacity ${quick ? '(quick) ' : ''}on ${mongodbUrl ? `MongoDB-wire (${mongoDatabase})` : 'the embedded store'}; load average ${loadAverage()}`);
  const bench = await setUp(saved);
  if (settings.pin) pinProcesses(bench);
  await warmUp(bench);
  const capacity = await measureCapacity(bench);
  if (settings.phases.has('split') && !process.env.BENCH_PROFILE_DIR) await measureCpuSplit(bench, (saved.capacity as { cpuPerTurnMs: number }).cpuPerTurnMs, capacity);
  const ladder = settings.phases.has('ladder') ? await runLadder(bench, capacity) : [];
  const overload = settings.phases.has('overload') ? await runOverload(bench, capacity) : undefined;
  if (settings.phases.has('memory') && settings.memoryTurns > 0) await runMemory(bench, capacity);
  if (snapshotDir) await bench.host.writeHeapSnapshot(join(snapshotDir, 'at-end.heapsnapshot'));
  bench.hostClient.close();
  bench.bareClient.close();
  bench.compare?.client.close();
  await bench.compare?.host.stop();
  await bench.host.stop();
  await bench.bare.stop();
  if (settings.phases.has('redis')) await runRedisLoss(bench, capacity);
  if (mongodbUrl && settings.phases.has('store')) {
    console.log('\n7. store cost of one turn (MongoDB wire protocol, command monitoring)');
    saved.storeCost = await measureStoreCost(mongodbUrl, `${mongoDatabase}_cost`);
  }

  const figures = saved.capacity as { host: number; bare: number; cpuPerTurnMs: number; bareCpuPerTurnMs: number };
  console.log('\n=== summary ===');
  console.log(
    `  capacity ${format(figures.host, 0)} turns/s (bare route ${format(figures.bare, 0)}, ratio ${format(figures.host / figures.bare, 2)}); CPU per turn ${format(figures.cpuPerTurnMs, 2)} ms (bare ${format(figures.bareCpuPerTurnMs, 2)} ms, ${format(figures.cpuPerTurnMs / figures.bareCpuPerTurnMs, 1)}×)`,
  );
  for (const fraction of ladder.length > 0 ? settings.ladder : []) {
    const steps = ladder.filter((step) => Math.abs(step.ratePerSecond - fraction * ladderBase(capacity)) < 1e-9);
    console.log(`  ${`${fraction * 100}%`.padStart(4)}: p99 ${steps.map((step) => format(step.p99, 0)).join(' / ')} ms, max ${steps.map((step) => format(step.max, 0)).join(' / ')} ms, loop delay p99 ${steps.map((step) => format(step.loopDelayP99, 0)).join(' / ')} ms`);
  }
  if (overload) {
    const { burst, recoveryMs } = overload;
    console.log(`  overload 2×: refused ${burst.refused} (p99 ${format(burst.refusedP99, 0)} ms), accepted p99 ${format(burst.p99, 0)} ms, recovered in ${format(recoveryMs / 1000, 2)} s`);
  }
  saved.loadAverageAtEnd = loadAverage();
  console.log(`  load average at the end: ${String(saved.loadAverageAtEnd)}`);
  if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, `${JSON.stringify(saved, null, 2)}\n`);
} finally {
  for (const child of running.reverse()) await child.stop().catch(() => {});
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
}
