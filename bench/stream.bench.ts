// npm run bench:stream — ContinueChatStream on the real host (startHost in a child process: auth, rate
// limits on Redis, metrics, logging, the chat loop, the shipped plugins; embedded store unless
// BENCH_STORE=mongodb). Prints figures; asserts nothing.
//
//  1. Time to first token: the wall time from sending a request to reading the first text event,
//     through Acai (ContinueChatStream → the fake model streaming at once) against the same fake
//     model read directly over the same loopback, with the very request body Acai sent it (so the
//     model's own work is the same on both paths). The paths take turns run by run; medians and p95,
//     for new conversations and for continuing ones (a store read and the history in the prompt).
//     Target: Acai adds ≤ 5 ms at the median. Two more paths split what Acai adds: the same body
//     through a bare pass-through proxy in its own process (what any extra process on the way costs
//     on this machine right now; on a busy machine scheduling dominates it), and a second host with
//     the request rate limit off (RATE_LIMIT_PER_MINUTE=0: the Redis round trip it makes per request).
//  2. Open streams: 200 (BENCH_STREAMS) streams held open at once, the model paused after its first
//     chunk. The host's RSS (from /proc) and V8 heap (its /metrics, read after a forced GC) before,
//     while they are open, and after they finished: growth per open stream in KiB, and whether
//     memory returns to where it started.
//
// Tunables: BENCH_TTFT_RUNS (300 per path and kind), BENCH_STREAMS (200), BENCH_STORE (embedded|mongodb).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerSentEvents } from '../core/src/client/read-server-sent-events.js';
import { startFakeOpenAI, streamedTextReply, type ChatCompletionBody, type FakeStep } from '../tests/fakes/openai/index.js';
import { benchHostEnvironment, median, percentile, startBenchServer, type BenchServer } from './bench-support.js';

const TTFT_RUNS = Number(process.env.BENCH_TTFT_RUNS ?? 300);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const STORE = process.env.BENCH_STORE ?? 'embedded';
const API_KEY = 'acai_bench_stream_key_0123456789abcdef';
const STREAM_URL = '/twirp/acai.chat.ChatService/ContinueChatStream';
const CONVERSATIONS = 50;
const usage = { prompt_tokens: 900, completion_tokens: 12 };

const redisUrl = process.env.REDIS_URL;
const mongodbUrl = process.env.MONGODB_URL;
if (!redisUrl || (STORE === 'mongodb' && !mongodbUrl)) {
  console.error('REDIS_URL (and MONGODB_URL with BENCH_STORE=mongodb) must be set: run it as `npm run bench:stream`.');
  process.exit(1);
}

const format = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// While `hold` is pending, replies stop after their first chunk (the open-streams part).
let hold: Promise<void> | undefined;
const fake = await startFakeOpenAI();
fake.respondWith((body: ChatCompletionBody): FakeStep => {
  if (body.model === 'bench-title') return { type: 'text', content: 'Benchmark Stream', usage };
  const chunks = ['It is ', 'twelve ', 'o’clock ', 'in ', 'Lisbon.'];
  return streamedTextReply(chunks, { usage, ...(hold ? { pauseAfterChunks: 1, resume: hold } : {}) });
});

const scratch = await mkdtemp(join(tmpdir(), 'acai-bench-stream-'));
const databaseName = `bench_stream_${Date.now().toString(36)}`;
const running: BenchServer[] = [];

/** A host like `npm start` with the fake model; `variant` keeps its data apart from the other host's. */
async function startHost(variant: string, extra: Record<string, string>): Promise<BenchServer> {
  const server = await startBenchServer('acai', {
    ...(STORE === 'mongodb' ? { MONGODB_URL: mongodbUrl!, MONGODB_DATABASE: `${databaseName}_${variant}` } : { MONGODB_URL: '' }),
    REDIS_URL: redisUrl!,
    REDIS_KEY_PREFIX: `${databaseName}:${variant}:`,
    ACAI_API_KEYS: `${API_KEY}:bench:chat+metrics`,
    ACAI_DATA_DIR: join(scratch, variant),
    ...benchHostEnvironment(fake),
    ...extra,
  });
  running.push(server);
  return server;
}

/** Milliseconds to the first text event of a ContinueChatStream turn, and the conversation it used. */
async function acaiFirstToken(host: BenchServer, body: object): Promise<{ ms: number; conversationId: string }> {
  const started = performance.now();
  const response = await fetch(`${host.url}${STREAM_URL}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify(body),
  });
  let ms = Number.NaN;
  let conversationId = '';
  for await (const event of readServerSentEvents(response.body!)) {
    if (event.event === 'conversation') conversationId = (JSON.parse(event.data) as { conversation_id: string }).conversation_id;
    if (event.event === 'delta' && Number.isNaN(ms)) ms = performance.now() - started;
    if (event.event === 'error') throw new Error(`stream failed: ${event.data}`);
  }
  return { ms, conversationId };
}

/** Milliseconds to the first content chunk of the model's stream for a body Acai sent it, read from `url`. */
async function modelFirstToken(url: string, body: ChatCompletionBody): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.apiKey}` },
    body: JSON.stringify(body),
  });
  let ms = Number.NaN;
  for await (const event of readServerSentEvents(response.body!)) {
    if (event.data === '[DONE]') break;
    const chunk = JSON.parse(event.data) as { choices: Array<{ delta: { content?: string | null } }> };
    if (Number.isNaN(ms) && chunk.choices[0]?.delta.content) ms = performance.now() - started;
  }
  return ms;
}

/** The reply-model request Acai made for its latest turn. */
function lastReplyBody(): ChatCompletionBody {
  const body = fake.completionBodies('bench-chat').at(-1);
  if (!body) throw new Error('Acai sent the model nothing');
  return body;
}

/** Warms a host up (JIT, pools, title cache) and opens the conversations the "continued" runs take turns on. */
async function openConversations(host: BenchServer): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < CONVERSATIONS; index += 1) ids.push((await acaiFirstToken(host, { message: `What time is it? (${index})` })).conversationId);
  for (const id of ids) await acaiFirstToken(host, { conversation_id: id, message: 'And now?' });
  return ids;
}

interface Timings {
  readonly acai: number[];
  readonly unlimited: number[];
  readonly direct: number[];
  readonly proxy: number[];
}

async function measureFirstToken(kind: 'new' | 'continued', hosts: { limited: Turns; unlimited: Turns }, directUrl: string, proxyUrl: string): Promise<Timings> {
  const timings: Timings = { acai: [], unlimited: [], direct: [], proxy: [] };
  for (let run = 0; run < TTFT_RUNS; run += 1) {
    timings.acai.push(await hosts.limited(kind, run));
    const sent = lastReplyBody();
    timings.direct.push(await modelFirstToken(directUrl, sent));
    timings.proxy.push(await modelFirstToken(proxyUrl, sent));
    timings.unlimited.push(await hosts.unlimited(kind, run));
    // The fake keeps every request it saw; a long run would otherwise measure its bookkeeping.
    if (run % 50 === 49) fake.reset();
  }
  return timings;
}

type Turns = (kind: 'new' | 'continued', run: number) => Promise<number>;

function turnsOn(host: BenchServer, conversationIds: readonly string[]): Turns {
  return async (kind, run) => {
    const body = kind === 'new' ? { message: `What time is it? (${run % CONVERSATIONS})` } : { conversation_id: conversationIds[run % CONVERSATIONS], message: 'And now?' };
    return (await acaiFirstToken(host, body)).ms;
  };
}

function report(label: string, timings: Timings): number {
  const line = (name: string, samples: number[]) =>
    console.log(`    ${name.padEnd(36)} median ${format(median(samples)).padStart(6)} ms   p95 ${format(percentile(samples, 0.95)).padStart(6)} ms`);
  const direct = median(timings.direct);
  const acai = median(timings.acai);
  const added = acai - direct;
  console.log(`  ${label}`);
  line('direct from the model', timings.direct);
  line('through a bare proxy process', timings.proxy);
  line('through Acai, request rate limit off', timings.unlimited);
  line('through Acai', timings.acai);
  console.log(`    Acai adds ${format(added)} ms at the median (target ≤ 5 ms: ${added <= 5 ? 'met' : 'NOT met'}), ratio ${format(acai / direct)}×:`);
  console.log(
    `      one more process ${format(median(timings.proxy) - direct)} ms, the rate limit's Redis round trip ${format(acai - median(timings.unlimited))} ms, the rest of Acai ${format(median(timings.unlimited) - median(timings.proxy))} ms`,
  );
  return added;
}

/** The host's RSS (from /proc) and, after a forced GC, its V8 heap in use (from its /metrics). */
async function hostMemory(host: BenchServer): Promise<{ rssKiB: number; heapKiB: number }> {
  host.child.kill('SIGUSR2');
  await settle(300);
  const status = await readFile(`/proc/${host.child.pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  const metrics = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
  const heapBytes = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? Number.NaN);
  return { rssKiB, heapKiB: heapBytes / 1024 };
}

/**
 * Opens stream `index` of the open-streams part. Admission control starts its adaptive limit at 32 turns
 * in progress and raises it only once the limit has bound while the event loop kept up for two 250 ms
 * intervals in a row (README, Capacity and admission control), so a burst of 200 new turns gets most of
 * them refused with 503 + Retry-After at first. Like a well-behaved client, the bench waits that long
 * and asks again until the limit has grown; before, it read the refusal's JSON body as an event stream with no events, waited for a first token that
 * never came, and the held streams ended at the model call's attempt timeout (30 s) with `unavailable`.
 */
async function openHeldStream(host: BenchServer, index: number, onRefused: () => void): Promise<Response> {
  for (;;) {
    const response = await fetch(`${host.url}${STREAM_URL}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ message: `Hold this stream open (${index % 50})` }),
    });
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
    const answer = await response.text();
    if (response.status !== 503) throw new Error(`stream ${index} was not opened: ${response.status} ${answer}`);
    onRefused();
    await settle(1_000 * Number(response.headers.get('retry-after') ?? 1));
  }
}

async function measureOpenStreams(host: BenchServer): Promise<void> {
  // A first full collection hands memory back to the system only gradually: let RSS settle before the baseline.
  host.child.kill('SIGUSR2');
  await settle(3_000);
  const before = await hostMemory(host);
  let release: () => void = () => {};
  hold = new Promise<void>((resolve) => (release = resolve));
  const firstTokens: Array<Promise<void>> = [];
  const finished: Array<Promise<void>> = [];
  let refusals = 0;
  for (let index = 0; index < STREAMS; index += 1) {
    let markFirst: () => void = () => {};
    let failFirst: (error: unknown) => void = () => {};
    firstTokens.push(new Promise<void>((resolve, reject) => ((markFirst = resolve), (failFirst = reject))));
    const stream = (async () => {
      const response = await openHeldStream(host, index, () => (refusals += 1));
      for await (const event of readServerSentEvents(response.body!)) {
        if (event.event === 'delta') markFirst();
        if (event.event === 'error') throw new Error(`stream ${index} failed: ${event.data}`);
      }
    })();
    // A stream that fails before its first token must end the wait for first tokens, not leave it hanging
    // until the held streams run into the model's attempt timeout (OPENAI_TIMEOUT_MS).
    stream.catch(failFirst);
    finished.push(stream);
  }
  await Promise.all(firstTokens);
  if (refusals > 0) console.log(`    (admission control refused ${refusals} openings at first; each was retried after its Retry-After)`);
  await settle(1_000);
  const open = await hostMemory(host);
  hold = undefined;
  release();
  await Promise.all(finished);
  await settle(2_000);
  const after = await hostMemory(host);
  const mib = (kib: number) => format(kib / 1024, 1);
  console.log(`  ${STREAMS} streams open at once, each paused after its first token (heap after a forced GC)`);
  console.log(`    host RSS   before ${mib(before.rssKiB)} MiB   open ${mib(open.rssKiB)} MiB   after they closed ${mib(after.rssKiB)} MiB`);
  console.log(`    host heap  before ${mib(before.heapKiB)} MiB   open ${mib(open.heapKiB)} MiB   after they closed ${mib(after.heapKiB)} MiB`);
  console.log(
    `    per open stream: RSS ${format((open.rssKiB - before.rssKiB) / STREAMS, 1)} KiB, heap ${format((open.heapKiB - before.heapKiB) / STREAMS, 1)} KiB`,
  );
  console.log(`    after they closed: heap ${format(after.heapKiB - before.heapKiB, 0)} KiB from where it started, RSS ${format(after.rssKiB - before.rssKiB, 0)} KiB`);
}

try {
  const limited = await startHost('limited', {});
  const unlimited = await startHost('unlimited', { RATE_LIMIT_PER_MINUTE: '0' });
  const proxy = await startBenchServer('proxy', { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL });
  running.push(proxy);
  const directUrl = `${fake.baseURL}/chat/completions`;
  console.log(`=== ContinueChatStream on the ${STORE === 'mongodb' ? 'MongoDB-wire' : 'embedded'} store + Redis, ${TTFT_RUNS} turns per path ===`);
  const hosts = { limited: turnsOn(limited, await openConversations(limited)), unlimited: turnsOn(unlimited, await openConversations(unlimited)) };
  for (let run = 0; run < 30; run += 1) {
    await modelFirstToken(directUrl, lastReplyBody());
    await modelFirstToken(proxy.url, lastReplyBody());
  }
  fake.reset();
  console.log('time to first token');
  const addedNew = report(`new conversation (${TTFT_RUNS} runs)`, await measureFirstToken('new', hosts, directUrl, proxy.url));
  const addedContinued = report(`continued conversation, ${CONVERSATIONS} taking turns (${TTFT_RUNS} runs)`, await measureFirstToken('continued', hosts, directUrl, proxy.url));
  console.log('open streams');
  await measureOpenStreams(limited);
  console.log(`\nsummary: Acai adds ${format(addedNew)} ms (new) / ${format(addedContinued)} ms (continued) to the median time to first token`);
} finally {
  for (const server of running) await server.stop();
  await fake.close();
  await rm(scratch, { recursive: true, force: true });
}
