// npm run bench:accept — how fast a busy host takes NEW connections (issue 17, goal 4: at 2× capacity the
// requests that open a connection waited seconds to be accepted). A Fastify server in its own process burns
// BENCH_BUSY_MS of CPU in every event-loop iteration; BENCH_CONNECTIONS clients each open a new connection at
// once and send one request. Per variant: the time until the last answer, and each request's time from
// connect to its answer (p50/p99), as a ratio to the in-run baseline (one descriptor, Node's default).
// Variants: HTTP_ACCEPT_SLOTS of 1 (baseline), 4, 16 and 64 (core/src/app/accept-slots.ts), and a
// node:cluster round-robin primary accepting for one worker. Rounds alternate the variants
// (BENCH_ROUNDS, medians). Prints figures; asserts nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 500);
const BUSY_MS = Number(process.env.BENCH_BUSY_MS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SERVER = fileURLToPath(new URL('./accept/busy-server-process.mjs', import.meta.url));
const VARIANTS: ReadonlyArray<{ name: string; args: string[] }> = [
  { name: 'HTTP_ACCEPT_SLOTS=1 (baseline)', args: ['slots', '1'] },
  { name: 'HTTP_ACCEPT_SLOTS=4', args: ['slots', '4'] },
  { name: 'HTTP_ACCEPT_SLOTS=16', args: ['slots', '16'] },
  { name: 'HTTP_ACCEPT_SLOTS=64', args: ['slots', '64'] },
  { name: 'cluster round-robin primary', args: ['cluster', '1'] },
];

interface Round {
  totalMs: number;
  latencies: number[];
}

async function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER, ...args, String(BUSY_MS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await once(child, 'message')) as [{ port: number; slots: number }];
  return { child, port: message.port };
}

/** One request on a new connection; resolves with the milliseconds from connect to the end of the answer. */
function request(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => (answer.startsWith('HTTP/1.1 200') ? resolve(performance.now() - started) : reject(new Error(`answer: ${answer.slice(0, 80)}`))));
    socket.write('GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n');
  });
}

async function measure(args: string[]): Promise<Round> {
  const { child, port } = await startServer(args);
  try {
    const started = performance.now();
    const latencies = await Promise.all(Array.from({ length: CONNECTIONS }, () => request(port)));
    return { totalMs: performance.now() - started, latencies };
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

const percentile = (values: number[], fraction: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
};
const median = (values: number[]): number => percentile(values, 0.5);

const results = new Map<string, Round[]>(VARIANTS.map((variant) => [variant.name, []]));
console.log(`bench:accept — ${CONNECTIONS} new connections at once into a server busy ${BUSY_MS} ms per loop iteration, ${ROUNDS} rounds`);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const variant of VARIANTS) results.get(variant.name)!.push(await measure(variant.args));
}
const figures = VARIANTS.map((variant) => {
  const rounds = results.get(variant.name)!;
  return {
    name: variant.name,
    totalMs: median(rounds.map((round) => round.totalMs)),
    p50: median(rounds.map((round) => percentile(round.latencies, 0.5))),
    p99: median(rounds.map((round) => percentile(round.latencies, 0.99))),
  };
});
const baseline = figures[0]!;
for (const figure of figures) {
  console.log(
    `  ${figure.name.padEnd(32)} all answered in ${figure.totalMs.toFixed(0).padStart(5)} ms (${(figure.totalMs / baseline.totalMs).toFixed(2)}×)` +
      `  p50 ${figure.p50.toFixed(0).padStart(5)} ms  p99 ${figure.p99.toFixed(0).padStart(5)} ms (${(figure.p99 / baseline.p99).toFixed(2)}×)`,
  );
}
