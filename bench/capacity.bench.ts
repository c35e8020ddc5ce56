// npm run bench:capacity — how many chat turns one host process serves, what each costs in CPU, and
// how the latency tail behaves below and beyond capacity. Prints figures and ratios; asserts nothing.
//
// Processes: the built host (core/dist, embedded store unless MONGODB_URL is set, no Redis, rate limits
// off), a bare Fastify route doing a turn's irreducible work (two model calls over keep-alive HTTP and
// one SQLite insert: the in-run baseline), and the scripted OpenAI-compatible model, each in its own
// process; this process drives the load. Every turn is a ContinueConversation: two model round trips,
// one datetime tool call, the history read and the turn's append. Each process measures itself
// (bench/capacity/process-probe.ts): CPU time, RSS, event-loop delay, GC pauses.
//
//  1. Warm-up: BENCH_WARMUP_TURNS turns (closed loop) so the JIT, caches and the heap settle.
//  2. Capacity: closed loop (BENCH_CONNECTIONS senders) against the bare route and the host, alternating,
//     BENCH_CLOSED_ROUNDS times: turns/s and CPU per turn (process CPU ÷ turns); the medians are the figures.
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
// BENCH_QUICK=1 runs a short smoke version of everything. Other knobs: BENCH_CONVERSATIONS,
// BENCH_BARE_LADDER=0, BENCH_REDIS_LOSS=0|1, BENCH_JSON=<file> (all figures as JSON), BENCH_PROFILE_DIR
// (--cpu-prof of the host), BENCH_HOST_NODE_ARGS (e.g. "--trace-gc"), BENCH_HOST_LOG=<file> (the host's
// stdout), BENCH_HOST_ENV="NAME=value,…" (extra host environment, e.g. admission-control settings),
// BENCH_HOST_ROOT=<checkout> (measure the built host of another checkout, e.g. main, with this benchmark).
// The machine's load average is printed at the start and the end: wall-clock figures on a shared
// machine are noisy, CPU per turn and the ratios to the bare route much less so.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startPrivateRedis, type PrivateRedisServer } from '../tests/support/redis-server.js';
import { median, percentile } from './bench-support.js';
import { BARE_TURN_PATH } from './capacity/bare-turn-process.js';
import { startBenchProcess, type BenchProcess } from './capacity/bench-process.js';
import { BENCH_CHAT_MODEL, BENCH_TITLE_MODEL } from './capacity/fake-model-process.js';
import type { ProcessReport } from './capacity/process-probe.js';
import { seedConversations } from './capacity/seed-conversations.js';
import { measureStoreCost } from './capacity/store-cost.js';
import { closedLoop, openLoop, TurnClient, type LoadResult } from './capacity/turn-load.js';

const hostRoot = process.env.BENCH_HOST_ROOT || fileURLToPath(new URL('../', import.meta.url));
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
  memoryTurns: number('BENCH_MEMORY_TURNS', quick ? 3000 : 50_000),
  memoryRate: number('BENCH_MEMORY_RATE', 0.7),
  redisLoss: process.env.BENCH_REDIS_LOSS === undefined ? true : process.env.BENCH_REDIS_LOSS === '1',
  redisLossSeconds: number('BENCH_REDIS_LOSS_SECONDS', quick ? 9 : 30),
};
const API_KEY = 'acai_bench_key_0123456789abcdefghij';
const MODEL_KEY = 'sk-bench-model-key';
const TENANT = 'bench';
const MESSAGE = 'And what time is it now?';
const TURN_PATH = '/twirp/acai.chat.ChatService/ContinueConversation';
const mongodbUrl = process.env.MONGODB_URL || undefined;
const mongoDatabase = mongodbUrl ? `bench_capacity_${Date.now().toString(36)}` : undefined;

const format = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const megabytes = (bytes: number): string => format(bytes / 1024 / 1024, 0);
const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** What one measured interval cost a process. */
interface Interval {
  readonly cpuMs: number;
  readonly after: ProcessReport;
}

async function measure<T>(processes: readonly BenchProcess[], run: () => Promise<T>): Promise<{ result: T; intervals: Interval[] }> {
  const before = await Promise.all(processes.map((child) => child.report(true)));
  const result = await run();
  const after = await Promise.all(processes.map((child) => child.report(true)));
  return { result, intervals: after.map((report, index) => ({ cpuMs: report.cpuMs - before[index]!.cpuMs, after: report })) };
}

/** One open-loop or closed-loop step, as printed and saved. */
interface StepFigures {
  readonly label: string;
  readonly ratePerSecond: number;
  readonly throughput: number;
  readonly ok: number;
  readonly refused: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly refusedP99: number;
  readonly cpuPerTurnMs: number;
  readonly modelCpuPerTurnMs: number;
  readonly loopDelayP99: number;
  readonly loopDelayMax: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  readonly rssMb: number;
}

function figures(label: string, ratePerSecond: number, load: LoadResult, server: Interval, model: Interval): StepFigures {
  const answered = load.ok.length + load.refused.length;
  return {
    label,
    ratePerSecond,
    throughput: (load.ok.length / load.elapsedMs) * 1000,
    ok: load.ok.length,
    refused: load.refused.length,
    failed: load.failed.length,
    p50: percentile(load.ok, 0.5),
    p99: percentile(load.ok, 0.99),
    max: load.ok.length > 0 ? Math.max(...load.ok) : Number.NaN,
    refusedP99: percentile(load.refused, 0.99),
    // Refused turns cost little but not nothing; they are counted in the denominator only when no turn succeeded.
    cpuPerTurnMs: server.cpuMs / (load.ok.length || answered || 1),
    modelCpuPerTurnMs: model.cpuMs / (load.ok.length || 1),
    loopDelayP99: server.after.loopDelay.p99,
    loopDelayMax: server.after.loopDelay.max,
    gcMs: server.after.gc.totalMs,
    gcMaxMs: server.after.gc.maxMs,
    rssMb: server.after.rssBytes / 1024 / 1024,
  };
}

function printStep(step: StepFigures, failures: readonly string[] = []): void {
  const refusals = step.refused > 0 ? `  refused ${step.refused} (p99 ${format(step.refusedP99, 0)} ms)` : '';
  const failed = step.failed > 0 ? `  FAILED ${step.failed}` : '';
  console.log(
    `  ${step.label.padEnd(22)} ${format(step.throughput, 0).padStart(5)}/s  p50 ${format(step.p50, 0).padStart(4)}  p99 ${format(step.p99, 0).padStart(5)}  max ${format(step.max, 0).padStart(5)} ms` +
      `  cpu/turn ${format(step.cpuPerTurnMs, 2)} ms  loop p99 ${format(step.loopDelayP99, 0)}/max ${format(step.loopDelayMax, 0)} ms  gc ${format(step.gcMs, 0)} ms (max ${format(step.gcMaxMs, 0)})  rss ${format(step.rssMb, 0)} MB${refusals}${failed}`,
  );
  for (const failure of failures.slice(0, 2)) console.log(`    failure: ${failure}`);
}

const scratch = await mkdtemp(join(tmpdir(), 'acai-bench-capacity-'));
const running: BenchProcess[] = [];
const saved: Record<string, unknown> = { settings, store: mongodbUrl ? 'mongodb' : 'embedded', loadAverageAtStart: loadAverage() };
let redis: PrivateRedisServer | undefined;

function hostEnvironment(model: BenchProcess, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const fromUser = Object.fromEntries(
    (process.env.BENCH_HOST_ENV ?? '')
      .split(',')
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
  );
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    PLUGINS_CONFIG: join(hostRoot, 'plugins.config.json'),
    ...(process.env.BENCH_HOST_ROOT ? { BENCH_HOST_ROOT: hostRoot } : {}),
    RATE_LIMIT_PER_MINUTE: '0',
    OPENAI_API_KEY: MODEL_KEY,
    OPENAI_BASE_URL: `${model.url}/v1`,
    OPENAI_MODEL: BENCH_CHAT_MODEL,
    OPENAI_TITLE_MODEL: BENCH_TITLE_MODEL,
    LOG_LEVEL: 'info',
    ACAI_API_KEYS: `${API_KEY}:${TENANT}:chat`,
    ACAI_DATA_DIR: dataDir,
    ...(mongodbUrl ? { MONGODB_URL: mongodbUrl, MONGODB_DATABASE: mongoDatabase! } : {}),
    ...extra,
    ...fromUser,
  };
}

async function startHostProcess(name: string, model: BenchProcess, dataDir: string, extra: Record<string, string> = {}): Promise<BenchProcess> {
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const nodeArgs = [...profile, ...(process.env.BENCH_HOST_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const host = await startBenchProcess({
    name,
    script: 'bench/capacity/host-process.ts',
    env: hostEnvironment(model, dataDir, extra),
    nodeArgs,
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

try {
  console.log(`bench:capacity ${quick ? '(quick) ' : ''}on ${mongodbUrl ? `MongoDB-wire (${mongoDatabase})` : 'the embedded store'}; load average ${loadAverage()}`);
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

  // --- seed ----------------------------------------------------------------------------------------
  const first = await rpc(host, 'StartConversation', { message: 'What time is it?' });
  await rpc(host, 'ContinueConversation', { conversation_id: first.conversation_id, message: MESSAGE });
  const seeded = await seedConversations({ mongodbUrl, mongoDatabase, dataDir }, TENANT, String(first.conversation_id), settings.conversations);
  const bodies = seeded.map((id) => JSON.stringify({ conversation_id: id, message: MESSAGE }));
  const hostClient = new TurnClient({ url: host.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies }, 2000);
  const bareClient = new TurnClient({ url: bare.url, path: BARE_TURN_PATH, headers: {}, bodies }, 2000);
  console.log(`seeded ${seeded.length} conversations of 4 messages (each turn continues the next one, round-robin)`);

  // --- 1. warm-up ----------------------------------------------------------------------------------
  const warmUp = await measure([host, model], () => closedLoop(hostClient, settings.connections, 3_600_000, settings.warmUpTurns));
  await closedLoop(bareClient, settings.connections, 3_600_000, Math.min(2000, settings.warmUpTurns));
  const warmed = figures('warm-up (closed)', 0, warmUp.result, warmUp.intervals[0]!, warmUp.intervals[1]!);
  console.log(`\n1. warm-up: ${warmUp.result.ok.length} turns`);
  printStep(warmed, warmUp.result.failures);
  saved.warmUp = warmed;

  // --- 2. capacity ---------------------------------------------------------------------------------
  console.log(`\n2. capacity: closed loop, ${settings.connections} connections, ${settings.closedSeconds} s, ${settings.closedRounds} round(s)`);
  const hostRounds: StepFigures[] = [];
  const bareRounds: StepFigures[] = [];
  for (let round = 1; round <= settings.closedRounds; round += 1) {
    const bareRun = await measure([bare, model], () => closedLoop(bareClient, settings.connections, settings.closedSeconds * 1000));
    bareRounds.push(figures(`bare route, round ${round}`, 0, bareRun.result, bareRun.intervals[0]!, bareRun.intervals[1]!));
    printStep(bareRounds.at(-1)!, bareRun.result.failures);
    const hostRun = await measure([host, model], () => closedLoop(hostClient, settings.connections, settings.closedSeconds * 1000));
    hostRounds.push(figures(`host, round ${round}`, 0, hostRun.result, hostRun.intervals[0]!, hostRun.intervals[1]!));
    printStep(hostRounds.at(-1)!, hostRun.result.failures);
  }
  const capacity = median(hostRounds.map((step) => step.throughput));
  const bareCapacity = median(bareRounds.map((step) => step.throughput));
  const cpuPerTurn = median(hostRounds.map((step) => step.cpuPerTurnMs));
  const bareCpuPerTurn = median(bareRounds.map((step) => step.cpuPerTurnMs));
  console.log(`  capacity: host ${format(capacity, 0)} turns/s, bare route ${format(bareCapacity, 0)} turns/s → host/bare ${format(capacity / bareCapacity, 2)}`);
  console.log(`  CPU per turn: host ${format(cpuPerTurn, 2)} ms, bare route ${format(bareCpuPerTurn, 2)} ms → host/bare ${format(cpuPerTurn / bareCpuPerTurn, 1)}×; model process ${format(median(hostRounds.map((step) => step.modelCpuPerTurnMs)), 2)} ms`);
  saved.capacity = { host: capacity, bare: bareCapacity, cpuPerTurnMs: cpuPerTurn, bareCpuPerTurnMs: bareCpuPerTurn, hostRounds, bareRounds };

  // --- 3. ladder -----------------------------------------------------------------------------------
  console.log(`\n3. open-loop ladder: ${settings.ladder.map((fraction) => `${fraction * 100}%`).join(', ')} of ${format(capacity, 0)} turns/s, ${settings.stepSeconds} s each, ${settings.ladderRounds} round(s)`);
  const ladder: StepFigures[] = [];
  const bareLadder: StepFigures[] = [];
  for (let round = 1; round <= settings.ladderRounds; round += 1) {
    for (const fraction of settings.ladder) {
      const rate = fraction * capacity;
      const run = await measure([host, model], () => openLoop(hostClient, rate, settings.stepSeconds * 1000));
      ladder.push(figures(`host ${fraction * 100}% (${format(rate, 0)}/s) r${round}`, rate, run.result, run.intervals[0]!, run.intervals[1]!));
      printStep(ladder.at(-1)!, run.result.failures);
      if (round === 1 && settings.bareLadder) {
        const bareRun = await measure([bare, model], () => openLoop(bareClient, rate, settings.stepSeconds * 1000));
        bareLadder.push(figures(`bare ${fraction * 100}% (${format(rate, 0)}/s)`, rate, bareRun.result, bareRun.intervals[0]!, bareRun.intervals[1]!));
        printStep(bareLadder.at(-1)!, bareRun.result.failures);
      }
    }
  }
  saved.ladder = ladder;
  saved.bareLadder = bareLadder;

  // --- 4. overload ---------------------------------------------------------------------------------
  const overloadRate = 2 * capacity;
  const probeRate = 0.3 * capacity;
  const probeSeconds = 6;
  console.log(`\n4. overload: ${format(overloadRate, 0)} turns/s (2× capacity) for ${settings.overloadSeconds} s, then a probe at ${format(probeRate, 0)}/s for ${probeSeconds} s`);
  const probeClient = new TurnClient({ url: host.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies: [...bodies].reverse() }, 2000);
  const slowProbes: number[] = [];
  const overload = await measure([host, model], async () => {
    const burst = openLoop(hostClient, overloadRate, settings.overloadSeconds * 1000);
    await sleep(settings.overloadSeconds * 1000);
    const probe = openLoop(probeClient, probeRate, probeSeconds * 1000, (scheduledAt, latency, outcome) => {
      if (outcome !== 'ok' || latency > 50) slowProbes.push(scheduledAt);
    });
    return { burst: await burst, probe: await probe };
  });
  const burst = figures('burst 2×', overloadRate, overload.result.burst, overload.intervals[0]!, overload.intervals[1]!);
  printStep(burst, overload.result.burst.failures);
  const probe = overload.result.probe;
  const recoveryMs = slowProbes.length === 0 ? 0 : Math.max(...slowProbes) + 1000 / probeRate;
  const retryAfter = [...overload.result.burst.retryAfter].join(', ') || 'none';
  console.log(`  accepted ${burst.ok} (p99 ${format(burst.p99, 0)} ms), refused ${burst.refused} (p99 ${format(burst.refusedP99, 0)} ms, Retry-After ${retryAfter}), failed ${burst.failed}`);
  console.log(`  probe after the burst: p50 ${format(percentile(probe.ok, 0.5), 0)} p99 ${format(percentile(probe.ok, 0.99), 0)} ms, refused ${probe.refused.length}, failed ${probe.failed.length}; answers ≤ 50 ms from ${format(recoveryMs / 1000, 2)} s after the burst`);
  saved.overload = { burst, recoveryMs, probe: { p50: percentile(probe.ok, 0.5), p99: percentile(probe.ok, 0.99), refused: probe.refused.length, failed: probe.failed.length } };
  probeClient.close();
  // Let the backlog drain before the next phase.
  await closedLoop(hostClient, 1, 3_600_000, 1);

  // --- 5. memory -----------------------------------------------------------------------------------
  if (settings.memoryTurns > 0) {
    const rate = settings.memoryRate * capacity;
    console.log(`\n5. memory: ${settings.memoryTurns} turns at ${format(rate, 0)}/s (${settings.memoryRate * 100}% of capacity)`);
    const samples: Array<{ turns: number; rssMb: number; heapMb: number }> = [];
    const start = await host.collectGarbage();
    console.log(`  before: rss ${megabytes(start.rssBytes)} MB, heap ${megabytes(start.heapUsedBytes)} MB (after GC)`);
    let answered = 0;
    const sampleEvery = Math.max(500, Math.round(settings.memoryTurns / 10));
    const sampling: Array<Promise<void>> = [];
    const run = await measure([host, model], () =>
      openLoop(hostClient, rate, (settings.memoryTurns / rate) * 1000, () => {
        answered += 1;
        if (answered % sampleEvery === 0) {
          const turns = answered;
          sampling.push(host.report().then((report) => void samples.push({ turns, rssMb: report.rssBytes / 1024 / 1024, heapMb: report.heapUsedBytes / 1024 / 1024 })));
        }
      }),
    );
    await Promise.all(sampling);
    const memoryStep = figures(`memory run`, rate, run.result, run.intervals[0]!, run.intervals[1]!);
    printStep(memoryStep, run.result.failures);
    console.log(`  rss by turns: ${samples.map((sample) => `${sample.turns}: ${format(sample.rssMb, 0)} MB`).join(', ')}`);
    const end = await host.collectGarbage();
    console.log(`  after: rss ${megabytes(end.rssBytes)} MB, heap ${megabytes(end.heapUsedBytes)} MB (after GC); max rss sampled ${format(Math.max(...samples.map((sample) => sample.rssMb)), 0)} MB`);
    saved.memory = { step: memoryStep, samples, startRssMb: start.rssBytes / 1024 / 1024, endRssMb: end.rssBytes / 1024 / 1024, endHeapMb: end.heapUsedBytes / 1024 / 1024 };
  }
  hostClient.close();
  bareClient.close();
  await host.stop();
  await bare.stop();

  // --- 6. Redis loss -------------------------------------------------------------------------------
  if (settings.redisLoss) {
    redis = await startPrivateRedis().catch((error: unknown) => {
      console.log(`\n6. Redis loss: skipped (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    });
  }
  if (redis) {
    const rate = 0.5 * capacity;
    const phaseMs = (settings.redisLossSeconds * 1000) / 3;
    console.log(`\n6. Redis loss: session turns at ${format(rate, 0)}/s (50% of capacity); Redis killed from ${format(phaseMs / 1000, 0)} s to ${format((2 * phaseMs) / 1000, 0)} s`);
    const sessionHost = await startHostProcess('host+redis', model, join(scratch, 'sessions'), { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'bench:' });
    const sessions = Array.from({ length: Math.min(settings.conversations, 2000) }, (_, index) => ({ platform: 'bench', user_id: `user-${index}`, chat_id: `chat-${index}` }));
    const sessionBodies = sessions.map((session) => JSON.stringify({ session_metadata: session, message: MESSAGE }));
    const sessionClient = new TurnClient({ url: sessionHost.url, path: TURN_PATH, headers: { authorization: `Bearer ${API_KEY}` }, bodies: sessionBodies }, 2000);
    // Every session gets its conversation first (new sessions start one, with a title), then warms up.
    await closedLoop(sessionClient, 8, 3_600_000, sessions.length);
    await closedLoop(sessionClient, settings.connections, 3_600_000, Math.min(3000, settings.warmUpTurns));
    const phases = ['with Redis', 'Redis down', 'Redis back'].map(() => ({ ok: [] as number[], refused: [] as number[], failed: 0 }));
    const slowAfterReturn: number[] = [];
    const killing = sleep(phaseMs).then(() => redis!.kill());
    const restarting = sleep(2 * phaseMs).then(() => redis!.restart());
    const run = await measure([sessionHost, model], () =>
      openLoop(sessionClient, rate, 3 * phaseMs, (scheduledAt, latency, outcome) => {
        const phase = phases[Math.min(2, Math.floor(scheduledAt / phaseMs))]!;
        if (outcome === 'ok') phase.ok.push(latency);
        else if (outcome === 'refused') phase.refused.push(latency);
        else phase.failed += 1;
        if (scheduledAt >= 2 * phaseMs && (outcome !== 'ok' || latency > 50)) slowAfterReturn.push(scheduledAt - 2 * phaseMs);
      }),
    );
    await Promise.all([killing, restarting]);
    const names = ['with Redis', 'Redis down', 'Redis back'];
    phases.forEach((phase, index) => {
      console.log(
        `  ${names[index]!.padEnd(11)} ok ${String(phase.ok.length).padStart(5)}  p50 ${format(percentile(phase.ok, 0.5), 0).padStart(4)}  p99 ${format(percentile(phase.ok, 0.99), 0).padStart(5)}  max ${format(Math.max(...phase.ok), 0).padStart(5)} ms  refused ${phase.refused.length} (p99 ${format(percentile(phase.refused, 0.99), 0)} ms)  failed ${phase.failed}`,
      );
    });
    const recovery = slowAfterReturn.length === 0 ? 0 : Math.max(...slowAfterReturn);
    console.log(`  loop delay p99 ${format(run.intervals[0]!.after.loopDelay.p99, 0)} / max ${format(run.intervals[0]!.after.loopDelay.max, 0)} ms; after Redis returned, answers ≤ 50 ms from ${format(recovery / 1000, 2)} s`);
    saved.redisLoss = { rate, phases: phases.map((phase, index) => ({ name: names[index], ok: phase.ok.length, p50: percentile(phase.ok, 0.5), p99: percentile(phase.ok, 0.99), max: Math.max(...phase.ok), refused: phase.refused.length, refusedP99: percentile(phase.refused, 0.99), failed: phase.failed })), recoveryMs: recovery };
    sessionClient.close();
    await sessionHost.stop();
  }

  // --- 7. store cost -------------------------------------------------------------------------------
  if (mongodbUrl) {
    console.log('\n7. store cost of one turn (MongoDB wire protocol, command monitoring)');
    saved.storeCost = await measureStoreCost(mongodbUrl, `${mongoDatabase}_cost`);
  }

  // --- summary -------------------------------------------------------------------------------------
  console.log('\n=== summary ===');
  console.log(`  capacity ${format(capacity, 0)} turns/s (bare route ${format(bareCapacity, 0)}, ratio ${format(capacity / bareCapacity, 2)}); CPU per turn ${format(cpuPerTurn, 2)} ms (bare ${format(bareCpuPerTurn, 2)} ms, ${format(cpuPerTurn / bareCpuPerTurn, 1)}×)`);
  for (const fraction of settings.ladder) {
    const steps = ladder.filter((step) => Math.abs(step.ratePerSecond - fraction * capacity) < 1e-9);
    console.log(`  ${`${fraction * 100}%`.padStart(4)}: p99 ${steps.map((step) => format(step.p99, 0)).join(' / ')} ms, max ${steps.map((step) => format(step.max, 0)).join(' / ')} ms, loop delay p99 ${steps.map((step) => format(step.loopDelayP99, 0)).join(' / ')} ms`);
  }
  console.log(`  overload 2×: refused ${burst.refused} (p99 ${format(burst.refusedP99, 0)} ms), accepted p99 ${format(burst.p99, 0)} ms, recovered in ${format(recoveryMs / 1000, 2)} s`);
  saved.loadAverageAtEnd = loadAverage();
  console.log(`  load average at the end: ${saved.loadAverageAtEnd}`);
  if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, `${JSON.stringify(saved, null, 2)}\n`);
} finally {
  for (const child of running.reverse()) await child.stop().catch(() => {});
  await redis?.stop();
  await rm(scratch, { recursive: true, force: true });
}
