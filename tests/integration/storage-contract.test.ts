import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedConversationStore, MongoConversationStore } from '../../core/src/storage/index.js';
import { describeConversationStoreContract } from '../support/conversation-store-contract.js';
import { requireMongoUrl, uniqueName } from '../support/env.js';

describeConversationStoreContract('MongoDB wire (MONGODB_URL)', async () => {
  const url = requireMongoUrl();
  const databaseName = uniqueName('contract');
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
});

describeConversationStoreContract('embedded (SQLite file)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'acai-store-contract-'));
  return {
    async open(now) {
      const store = new EmbeddedConversationStore({ dataDir, now });
      await store.init();
      return store;
    },
    async destroy() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
