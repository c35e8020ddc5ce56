// ListConversations over 100,000 conversations: how long one page takes on each ConversationStore.
// Run: npm run bench:storage (starts Redis + FerretDB unless REDIS_URL / MONGODB_URL are set).
// Prints figures and ratios; asserts nothing (shared, noisy machine).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient, ObjectId } from 'mongodb';
import { EmbeddedConversationStore, MongoConversationStore, createObjectIdHex, type ConversationStore } from '../core/src/storage/index.js';
import { percentile } from './bench-support.js';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const PAGE_SIZE = 20;
const PAGES = Number(process.env.BENCH_PAGES ?? 10);
const TENANT = 'bench';
const BASE_TIME = Date.UTC(2026, 0, 1);

function describe(samples: number[]): string {
  return `median ${percentile(samples, 0.5).toFixed(2)} ms, p95 ${percentile(samples, 0.95).toFixed(2)} ms (n=${samples.length})`;
}

async function time(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

/** First page (repeated) and a walk of PAGES pages following the tokens; plus a point read as the in-run baseline. */
async function measure(label: string, store: ConversationStore, sampleId: string): Promise<void> {
  await store.list(TENANT, { pageSize: PAGE_SIZE }); // warm-up
  const firstPage: number[] = [];
  for (let run = 0; run < PAGES; run += 1) firstPage.push(await time(() => store.list(TENANT, { pageSize: PAGE_SIZE })));
  const walk: number[] = [];
  let token: string | undefined;
  for (let page = 0; page < PAGES; page += 1) {
    walk.push(
      await time(async () => {
        const result = await store.list(TENANT, { pageSize: PAGE_SIZE, ...(token ? { pageToken: token } : {}) });
        token = result.nextPageToken;
      }),
    );
  }
  const point: number[] = [];
  for (let run = 0; run < PAGES; run += 1) point.push(await time(() => store.get(TENANT, sampleId, { recentMessages: 10 })));
  console.log(`${label}`);
  console.log(`  first page (${PAGE_SIZE} of ${CONVERSATIONS}): ${describe(firstPage)}`);
  console.log(`  next pages via token:          ${describe(walk)}`);
  console.log(`  get one conversation (tail):   ${describe(point)}`);
  console.log(`  page / get ratio:              ${(percentile(firstPage, 0.5) / percentile(point, 0.5)).toFixed(1)}x`);
  console.log(`  target ≤ 20 ms a page:         ${percentile(walk, 0.5) <= 20 ? 'met' : 'NOT met'}`);
}

async function benchMongo(url: string): Promise<void> {
  const databaseName = `bench_list_${Date.now().toString(36)}`;
  const client = new MongoClient(url);
  const store = new MongoConversationStore({ client, databaseName });
  try {
    await store.init();
    const collection = client.db(databaseName).collection('conversations');
    const started = performance.now();
    let sampleId = '';
    for (let offset = 0; offset < CONVERSATIONS; offset += 5000) {
      const batch = Array.from({ length: Math.min(5000, CONVERSATIONS - offset) }, (_, index) => {
        const at = new Date(BASE_TIME + (offset + index) * 1000);
        const id = new ObjectId(createObjectIdHex(at));
        return { _id: id, tenant_id: TENANT, title: `Conversation ${offset + index}`, created_at: at, updated_at: at, version: 0, message_count: 0 };
      });
      sampleId = batch[0]!._id.toHexString();
      await collection.insertMany(batch, { ordered: false });
    }
    const build = await client.db(databaseName).command({ buildInfo: 1 });
    const server = typeof build.ferretdbVersion === 'string' ? `FerretDB ${build.ferretdbVersion}` : `MongoDB ${String(build.version)}`;
    console.log(`inserted ${CONVERSATIONS} conversation headers into ${server} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const explain = await collection.find({ tenant_id: TENANT }).sort({ updated_at: -1, _id: -1 }).limit(PAGE_SIZE + 1).explain();
    if ('filterPushdown' in explain) {
      console.log(`  server plan: filterPushdown=${String(explain.filterPushdown)} sortPushdown=${String(explain.sortPushdown)} (false = the server decodes and sorts every document)`);
    }
    await measure(`MongoDB wire (${server})`, store, sampleId);
  } finally {
    await client.db(databaseName).dropDatabase().catch(() => {});
    await client.close();
  }
}

async function benchEmbedded(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-bench-list-'));
  const store = new EmbeddedConversationStore({ dataDir });
  try {
    await store.init();
    await store.close();
    // Bulk load straight into the table (one transaction) so the set-up takes seconds, not minutes.
    const raw = new Database(store.path);
    const insert = raw.prepare(
      'INSERT INTO conversations (id, tenant_id, title, created_at, updated_at, version, message_count) VALUES (?, ?, ?, ?, ?, 0, 0)',
    );
    let sampleId = '';
    const started = performance.now();
    raw.transaction(() => {
      for (let index = 0; index < CONVERSATIONS; index += 1) {
        const at = BASE_TIME + index * 1000;
        const id = createObjectIdHex(new Date(at));
        if (index === 0) sampleId = id;
        insert.run(id, TENANT, `Conversation ${index}`, at, at);
      }
    })();
    raw.close();
    console.log(`inserted ${CONVERSATIONS} conversation headers into the embedded store in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await store.init();
    await measure('embedded (SQLite, better-sqlite3)', store, sampleId);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const mongodbUrl = process.env.MONGODB_URL;
if (mongodbUrl) await benchMongo(mongodbUrl);
else console.log('MONGODB_URL not set: skipping the MongoDB-wire store (run through npm run bench:storage)');
await benchEmbedded();
