// npm run bench:stream — ContinueChatStream on the real host (startHost in a child process: auth, rate
// limits on Redis, metrics, logging, the chat loop, the shipped plugins; embedded store unless
// BENCH_STORE=mongodb). Prints figures; asserts nothing.
//
//  1. Time to first token: the wall time from sending a request to reading the first text event,
//     through Acai (ContinueChatStream → the fake model streaming at once) against the same fake
//     model read directly over the same loopback, with the very request body Acai sent it (so the
//     model's own work is the same on both paths). Runs alternate between the paths; medians and p95,
//     for new conversations and for continuing ones (a store read and the history in the prompt).
//     Target: Acai adds ≤ 5 ms at the median. A third path, the same body through a bare pass-through
//     proxy in its own process, shows what any extra process on the way costs on this machine right
//     now (scheduling on a busy machine dominates it), so "Acai − proxy" is Acai's own work.
//  2. Open streams: 200 (BENCH_STREAMS) streams held open at once, the model paused after its first
//     chunk. The host's RSS (from /proc) and V8 heap (from its /metrics) before, while they are open,
//     and after they finished: growth per open stream in KiB, and whether memory returns near its
//     starting point.
//
// Tunables: BENCH_TTFT_RUNS (300 per path and kind), BENCH_STREAMS (200), BENCH_STORE (embedded|mongodb).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerSentEvents } from '../core/src/client/read-server-sent-events.js';
import { startFakeOpenAI, streamedTextReply, type ChatCompletionBody, type FakeStep } from '../tests/fakes/openai/index.js';
import { benchHostEnvironment, median, percentile, startBenchServer } from './bench-support.js';

const TTFT_RUNS = Number(process.env.BENCH_TTFT_RUNS ?? 300);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const STORE = process.env.BENCH_STORE ?? 'embedded';
const API_KEY = 'acai_bench_stream_key_0123456789abcdef';
const STREAM_URL = '/twirp/acai.chat.ChatService/ContinueChatStream';
const usage = { prompt_tokens: 900, completion_tokens: 12 };

const redisUrl = process.env.REDIS_URL;
const mongodbUrl = process.env.MONGODB_URL;
if (!redisUrl || (STORE === 'mongodb' && !mongodbUrl)) {
  console.error('REDIS_URL (and MONGODB_URL with BENCH_STORE=mongodb) must be set: run it as `npm run bench:stream`.');
  process.exit(1);
}

const format = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

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
const host = await startBenchServer('acai', {
  ...(STORE === 'mongodb' ? { MONGODB_URL: mongodbUrl!, MONGODB_DATABASE: databaseName } : { MONGODB_URL: '' }),
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `${databaseName}:`,
  ACAI_API_KEYS: `${API_KEY}:bench:chat+metrics`,
  ACAI_DATA_DIR: scratch,
  ...benchHostEnvironment(fake),
});
const proxy = await startBenchServer('proxy', { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL });
const directUrl = `${fake.baseURL}/chat/completions`;

/** Milliseconds to the first text event of a ContinueChatStream turn, and the conversation it used. */
async function acaiFirstToken(body: object): Promise<{ ms: number; conversationId: string }> {
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

interface Timings {
  readonly acai: number[];
  readonly direct: number[];
  readonly proxy: number[];
}

async function measureFirstToken(kind: 'new' | 'continued', conversationIds: readonly string[]): Promise<Timings> {
  const timings: Timings = { acai: [], direct: [], proxy: [] };
  for (let run = 0; run < TTFT_RUNS; run += 1) {
    const body =
      kind === 'new'
        ? { message: `What time is it? (${run % 50})` }
        : { conversation_id: conversationIds[run % conversationIds.length], message: 'And now?' };
    const acai = await acaiFirstToken(body);
    timings.acai.push(acai.ms);
    const sent = lastReplyBody();
    timings.direct.push(await modelFirstToken(directUrl, sent));
    timings.proxy.push(await modelFirstToken(proxy.url, sent));
    // The fake keeps every request it saw; a long run would otherwise measure its bookkeeping.
    if (run % 50 === 49) fake.reset();
  }
  return timings;
}

function report(label: string, timings: Timings): number {
  const acaiMedian = median(timings.acai);
  const directMedian = median(timings.direct);
  const proxyMedian = median(timings.proxy);
  const added = acaiMedian - directMedian;
  console.log(`  ${label}`);
  console.log(`    direct from the model      median ${format(directMedian)} ms   p95 ${format(percentile(timings.direct, 0.95))} ms`);
  console.log(`    through a bare proxy       median ${format(proxyMedian)} ms   p95 ${format(percentile(timings.proxy, 0.95))} ms`);
  console.log(`    through Acai               median ${format(acaiMedian)} ms   p95 ${format(percentile(timings.acai, 0.95))} ms`);
  console.log(`    Acai adds                  median ${format(added)} ms (target ≤ 5 ms: ${added <= 5 ? 'met' : 'NOT met'})   ratio ${format(acaiMedian / directMedian)}×`);
  console.log(`      of which one more process ${format(proxyMedian - directMedian)} ms, Acai's own work ${format(acaiMedian - proxyMedian)} ms`);
  return added;
}

async function hostMemory(): Promise<{ rssKiB: number; heapKiB: number }> {
  const status = await readFile(`/proc/${host.child.pid}/status`, 'utf8');
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  const metrics = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).text();
  const heapBytes = Number(/^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(metrics)?.[1] ?? Number.NaN);
  return { rssKiB, heapKiB: heapBytes / 1024 };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measureOpenStreams(): Promise<void> {
  await settle(1_000);
  const before = await hostMemory();
  let release: () => void = () => {};
  hold = new Promise<void>((resolve) => (release = resolve));
  const firstTokens: Array<Promise<void>> = [];
  const finished: Array<Promise<void>> = [];
  for (let index = 0; index < STREAMS; index += 1) {
    let markFirst: () => void = () => {};
    firstTokens.push(new Promise<void>((resolve) => (markFirst = resolve)));
    finished.push(
      (async () => {
        const response = await fetch(`${host.url}${STREAM_URL}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${API_KEY}` },
          body: JSON.stringify({ message: `Hold this stream open (${index % 50})` }),
        });
        for await (const event of readServerSentEvents(response.body!)) {
          if (event.event === 'delta') markFirst();
          if (event.event === 'error') throw new Error(`stream ${index} failed: ${event.data}`);
        }
      })(),
    );
  }
  await Promise.all(firstTokens);
  await settle(1_000);
  const open = await hostMemory();
  hold = undefined;
  release();
  await Promise.all(finished);
  await settle(3_000);
  const after = await hostMemory();
  const perStream = (open.rssKiB - before.rssKiB) / STREAMS;
  console.log(`  ${STREAMS} streams open at once, each paused after its first token`);
  console.log(`    host RSS   before ${format(before.rssKiB / 1024, 1)} MiB   open ${format(open.rssKiB / 1024, 1)} MiB   after close ${format(after.rssKiB / 1024, 1)} MiB`);
  console.log(`    host heap  before ${format(before.heapKiB / 1024, 1)} MiB   open ${format(open.heapKiB / 1024, 1)} MiB   after close ${format(after.heapKiB / 1024, 1)} MiB`);
  console.log(`    RSS growth per open stream ${format(perStream, 1)} KiB (heap ${format((open.heapKiB - before.heapKiB) / STREAMS, 1)} KiB)`);
  console.log(`    after close: RSS ${format(after.rssKiB - before.rssKiB, 0)} KiB, heap ${format(after.heapKiB - before.heapKiB, 0)} KiB from where it started`);
}

try {
  console.log(`=== ContinueChatStream on the ${STORE === 'mongodb' ? 'MongoDB-wire' : 'embedded'} store + Redis, ${TTFT_RUNS} turns per path ===`);
  // Warm-up (JIT, connection pools, the title cache) that also opens the conversations the "continued"
  // runs take turns on: 50 of them, so their history stays a few turns long.
  const conversationIds: string[] = [];
  for (let run = 0; run < 100; run += 1) {
    const { conversationId } = await acaiFirstToken(run < 50 ? { message: `What time is it? (${run})` } : { conversation_id: conversationIds[run - 50], message: 'And now?' });
    if (run < 50) conversationIds.push(conversationId);
    await modelFirstToken(directUrl, lastReplyBody());
    await modelFirstToken(proxy.url, lastReplyBody());
  }
  fake.reset();
  console.log('time to first token');
  const addedNew = report(`new conversation (${TTFT_RUNS} runs)`, await measureFirstToken('new', []));
  const addedContinued = report(`continued conversation, 50 taking turns (${TTFT_RUNS} runs)`, await measureFirstToken('continued', conversationIds));
  console.log('open streams');
  await measureOpenStreams();
  console.log(`\nsummary: Acai adds ${format(addedNew)} ms (new) / ${format(addedContinued)} ms (continued) to the median time to first token`);
} finally {
  await proxy.stop();
  await host.stop();
  await fake.close();
  await rm(scratch, { recursive: true, force: true });
}
