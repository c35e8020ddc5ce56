// npm run bench:store-thread — what EMBEDDED_STORE_THREAD buys and costs per chat turn's store work,
// independent of anything else on the machine: the event loop's CPU per turn (the main thread's run time
// from /proc, the figure that decides how long every other request waits), the process's CPU per turn
// (both threads and V8's helpers) and turns per second, for the embedded store on the event loop
// (EmbeddedConversationStore, the baseline) and on its own thread (ThreadedConversationStore), in
// alternating rounds of one process. A "turn" is what the chat path asks of the store: read the
// conversation's recent messages, then append the user message and a reply with one tool call.
// Prints figures and ratios; asserts nothing (shared, noisy machine). Knobs: BENCH_TURNS (per round,
// default 20,000), BENCH_ROUNDS (default 3), BENCH_CONCURRENCY (turns in progress at once, comma-separated:
// default "1,32").
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedConversationStore, ThreadedConversationStore, type ConversationStore, type NewMessage } from '../core/src/storage/index.js';
import { median } from './bench-support.js';

const TURNS = Number(process.env.BENCH_TURNS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,32').split(',').map(Number);
const CONVERSATIONS = 2_000;
const TENANT = 'bench';

type Where = 'event loop' | 'own thread';

/** Nanoseconds the main thread has run (/proc/self/task/<pid>/schedstat, first field). */
function mainThreadRunNs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
}

function turnMessages(turn: number): NewMessage[] {
  return [
    { role: 'user', content: `what time is it in Lisbon? (turn ${turn})` },
    {
      role: 'assistant',
      content: `It is 14:05 in Lisbon. (turn ${turn})`,
      toolCalls: [{ id: `call_${turn}`, name: 'datetime__now', arguments: '{"timezone":"Europe/Lisbon"}', result: '{"iso":"2026-12-08T14:05:00+00:00"}', outcome: 'ok', durationMs: 3, plugin: 'datetime', pluginVersion: '1.0.0' }],
    },
  ];
}

async function openStore(where: Where, dataDir: string): Promise<ConversationStore> {
  const store = where === 'event loop' ? new EmbeddedConversationStore({ dataDir, backgroundCheckpoints: true }) : new ThreadedConversationStore({ dataDir, backgroundCheckpoints: true });
  await store.init();
  return store;
}

async function seed(store: ConversationStore): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < CONVERSATIONS; index += 1) {
    const created = await store.create({ tenantId: TENANT, title: `conversation ${index}`, messages: [] });
    await store.append(TENANT, created.id, [...turnMessages(index), ...turnMessages(index)]);
    ids.push(created.id);
  }
  return ids;
}

interface RoundFigures {
  readonly turnsPerSecond: number;
  readonly loopMicrosPerTurn: number;
  readonly processMicrosPerTurn: number;
}

/** `TURNS` turns, `concurrency` at a time, round-robin over the conversations. */
async function round(store: ConversationStore, ids: readonly string[], concurrency: number): Promise<RoundFigures> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < TURNS) {
      const turn = next++;
      const id = ids[turn % ids.length]!;
      const conversation = await store.get(TENANT, id, { recentMessages: 20 });
      if (conversation === undefined) throw new Error(`conversation ${id} vanished`);
      await store.append(TENANT, id, turnMessages(turn));
    }
  };
  const loopBefore = mainThreadRunNs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    turnsPerSecond: (TURNS / elapsedMs) * 1000,
    loopMicrosPerTurn: (mainThreadRunNs() - loopBefore) / 1000 / TURNS,
    processMicrosPerTurn: (cpu.user + cpu.system) / TURNS,
  };
}

const scratch = await mkdtemp(join(tmpdir(), 'acai-bench-store-thread-'));
try {
  const places: Where[] = ['event loop', 'own thread'];
  const stores = new Map<Where, { store: ConversationStore; ids: string[] }>();
  for (const where of places) {
    const store = await openStore(where, join(scratch, where.replace(' ', '-')));
    stores.set(where, { store, ids: await seed(store) });
  }
  console.log(`bench:store-thread: ${CONVERSATIONS} conversations per store, ${TURNS} turns per round (get 20 recent + append 2 messages), ${ROUNDS} rounds alternating`);
  for (const concurrency of CONCURRENCY) {
    const figures = new Map<Where, RoundFigures[]>(places.map((where) => [where, []]));
    // One untimed round each first: the JIT, SQLite's page cache and the thread's start-up.
    for (const where of places) await round(stores.get(where)!.store, stores.get(where)!.ids, concurrency);
    for (let index = 0; index < ROUNDS; index += 1) {
      for (const where of index % 2 === 0 ? places : [...places].reverse()) {
        const { store, ids } = stores.get(where)!;
        figures.get(where)!.push(await round(store, ids, concurrency));
      }
    }
    const summary = (where: Where) => {
      const rounds = figures.get(where)!;
      return {
        turnsPerSecond: median(rounds.map((figure) => figure.turnsPerSecond)),
        loop: median(rounds.map((figure) => figure.loopMicrosPerTurn)),
        process: median(rounds.map((figure) => figure.processMicrosPerTurn)),
      };
    };
    const baseline = summary('event loop');
    const threaded = summary('own thread');
    console.log(`\n${concurrency} turn(s) in progress at once (medians of ${ROUNDS} rounds):`);
    for (const [where, result] of [['event loop', baseline], ['own thread', threaded]] as const) {
      console.log(
        `  store on the ${where.padEnd(10)}  ${result.turnsPerSecond.toFixed(0).padStart(6)} turns/s  event loop ${result.loop.toFixed(1).padStart(6)} µs/turn  process ${result.process.toFixed(1).padStart(6)} µs/turn`,
      );
    }
    console.log(
      `  own thread / event loop: turns/s ${(threaded.turnsPerSecond / baseline.turnsPerSecond).toFixed(2)}×, event-loop CPU ${(threaded.loop / baseline.loop).toFixed(2)}×, process CPU ${(threaded.process / baseline.process).toFixed(2)}×`,
    );
  }
  for (const { store } of stores.values()) await store.close();
} finally {
  await rm(scratch, { recursive: true, force: true });
}
