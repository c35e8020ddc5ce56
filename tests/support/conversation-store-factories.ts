import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedConversationStore, MongoConversationStore, ThreadedConversationStore } from '../../core/src/storage/index.js';
import type { ConversationStoreFactory } from './conversation-store-contract.js';
import { requireMongoUrl, uniqueName } from './env.js';

/** Stores over a database of their own on the suite's MongoDB-wire server (dropped by `destroy`). */
export async function mongoStoreFactory(prefix: string): Promise<ConversationStoreFactory> {
  const url = requireMongoUrl();
  const databaseName = uniqueName(prefix);
  return {
    async open(now) {
      const store = new MongoConversationStore({ url, databaseName, now });
      await store.init();
      return store;
    },
    async destroy() {
      const client = new MongoClient(url);
      try {
        await client.db(databaseName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}

/**
 * Embedded (SQLite) stores in a temporary folder of their own (removed by `destroy`); optionally checkpointing
 * from a thread, and optionally, as the host's store does, both on a worker thread of its own (ThreadedConversationStore).
 */
export async function embeddedStoreFactory(prefix: string, options: { backgroundCheckpoints?: boolean; onThread?: boolean } = {}): Promise<ConversationStoreFactory> {
  const dataDir = await mkdtemp(join(tmpdir(), `acai-${prefix}-`));
  const { onThread, ...storeOptions } = options;
  return {
    async open(now) {
      const store = onThread === true ? new ThreadedConversationStore({ dataDir, now, ...storeOptions }) : new EmbeddedConversationStore({ dataDir, now, ...storeOptions });
      await store.init();
      return store;
    },
    async destroy() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
