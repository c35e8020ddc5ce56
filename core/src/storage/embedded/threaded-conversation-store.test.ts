import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../errors/index.js';
import { ThreadedConversationStore } from './threaded-conversation-store.js';
import { hostErrorOf } from '../../errors/testing/host-error-of.js';

// The store contract itself runs against this store in tests/integration/storage-contract.test.ts and
// storage-lifecycle-contract.test.ts; these are what the thread adds: errors crossing it, its lifecycle,
// its log lines and a thread that dies.

let dataDir: string;
const opened: ThreadedConversationStore[] = [];

function openStore(options: Partial<ConstructorParameters<typeof ThreadedConversationStore>[0]> = {}): ThreadedConversationStore {
  const store = new ThreadedConversationStore({ dataDir, ...options });
  opened.push(store);
  return store;
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'acai-threaded-store-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await rm(dataDir, { recursive: true, force: true });
});

describe('ThreadedConversationStore', () => {
  it("brings the store's errors across as HostErrors with their code and meta, and no driver text", async () => {
    const store = openStore();
    await store.init();
    const created = await store.create({ tenantId: 't', title: 'x', messages: [{ role: 'user', content: 'q' }] });

    const conflict = await hostErrorOf(store.append('t', created.id, [{ role: 'assistant', content: 'a' }], { expectedVersion: 7 }));
    expect(conflict.code).toBe('HOST_CONVERSATION_CONFLICT');
    expect(conflict.meta).toEqual({ argument: 'conversation_id' });

    const missing = await hostErrorOf(store.setTitle('t', 'ffffffffffffffffffffffff', 'renamed'));
    expect(missing.code).toBe('HOST_CONVERSATION_NOT_FOUND');

    const badToken = await hostErrorOf(store.list('t', { pageSize: 5, pageToken: 'not-a-token' }));
    expect(badToken.code).toBe('HOST_INVALID_ARGUMENT');
    expect(badToken.meta.argument).toBe('page_token');

    // Still serving after failures, with Dates intact.
    const read = await store.get('t', created.id);
    expect(read?.messages.map((message) => message.content)).toEqual(['q']);
    expect(read?.createdAt).toBeInstanceOf(Date);
  });

  it('answers calls before init and after close with HOST_STORE_UNAVAILABLE', async () => {
    const store = openStore();
    expect((await hostErrorOf(store.ping())).code).toBe('HOST_STORE_UNAVAILABLE');
    await store.init();
    await store.ping();
    await store.close();
    expect((await hostErrorOf(store.get('t', 'ffffffffffffffffffffffff'))).code).toBe('HOST_STORE_UNAVAILABLE');
  });

  it('commits the writes already sent when it closes, and the file reopens with them', async () => {
    const store = openStore();
    await store.init();
    const created = await store.create({ tenantId: 't', title: 'x', messages: [] });
    const appends = Array.from({ length: 20 }, (_, index) => store.append('t', created.id, [{ role: 'user', content: `m${index}` }]));
    const closing = store.close();
    expect((await Promise.all(appends)).map((result) => result?.version)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    await closing;

    const reopened = openStore();
    await reopened.init();
    expect((await reopened.get('t', created.id))?.messageCount).toBe(20);
  });

  it('refuses to open a file written by a newer schema, with the reason', async () => {
    const seed = openStore();
    await seed.init();
    await seed.close();
    const raw = new Database(join(dataDir, 'acai.db'));
    raw.pragma('user_version = 99');
    raw.close();

    const error = await hostErrorOf(openStore().init());
    expect(error.code).toBe('HOST_CONFIG_INVALID');
    expect(error.message).toContain('newer Acai');
  });

  it("stamps writes with the host's clock at the call", async () => {
    const at = new Date('2031-02-03T04:05:06.000Z');
    const store = openStore({ now: () => at });
    await store.init();
    const created = await store.create({ tenantId: 't', title: 'x', messages: [{ role: 'user', content: 'q' }] });
    expect((await store.get('t', created.id))?.messages[0]?.createdAt.toISOString()).toBe(at.toISOString());
  });

  it('refuses arguments that cannot cross to the thread as a store failure, and keeps serving', async () => {
    const store = openStore();
    await store.init();
    const hostile = { pageSize: 5, toJSON: () => 'x' } as unknown as { pageSize: number };
    expect((await hostErrorOf(store.list('t', hostile))).code).toBe('HOST_STORE_UNAVAILABLE');
    expect((await store.list('t', { pageSize: 5 })).conversations).toEqual([]);
  });

  it("relays the thread's log lines through the host's logger", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const store = openStore({ logger: pino({ level: 'debug' }, sink) });
    await store.init();
    await expect.poll(() => lines.find((line) => line.msg === 'embedded conversation store opened')).toMatchObject({ level: 20, path: join(dataDir, 'acai.db') });
  });

  it('fails the calls in progress when its thread dies, and the next call starts a new thread on the same file', async () => {
    const threads: Worker[] = [];
    const store = openStore({ onThreadStart: (thread) => threads.push(thread) });
    await store.init();
    const created = await store.create({ tenantId: 't', title: 'kept', messages: [{ role: 'user', content: 'q' }] });

    const inFlight = store.get('t', created.id);
    await threads[0]!.terminate();
    const outcome = await inFlight.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // Either it was answered before the thread went, or it failed as the store being unavailable.
    if ('error' in outcome) expect(HostError.isInstance(outcome.error) && outcome.error.code).toBe('HOST_STORE_UNAVAILABLE');
    else expect(outcome.value?.title).toBe('kept');

    expect((await store.get('t', created.id))?.title).toBe('kept');
    expect(threads).toHaveLength(2);
  });
});
