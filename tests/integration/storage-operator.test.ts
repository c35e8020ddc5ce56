import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { openOperatorStores } from '../../core/src/storage/operator/index.js';
import { requireMongoUrl, uniqueName } from '../support/env.js';
import { describeOperatorStoresContract } from '../support/operator-stores-contract.js';

describeOperatorStoresContract('MongoDB wire (MONGODB_URL)', () => {
  const database = uniqueName('operator_contract');
  const clients: MongoClient[] = [];
  return {
    async open() {
      // A client per open(), like a replica of its own.
      const client = new MongoClient(requireMongoUrl(), { serverSelectionTimeoutMS: 5000 });
      clients.push(client);
      return openOperatorStores({ kind: 'mongodb', db: client.db(database) });
    },
    async destroy() {
      await clients[0]?.db(database).dropDatabase().catch(() => {});
      await Promise.all(clients.map((client) => client.close()));
    },
  };
});

describeOperatorStoresContract('embedded (SQLite file)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'acai-operator-'));
  return {
    async open() {
      return openOperatorStores({ kind: 'sqlite', path: join(dataDir, 'operator.db') });
    },
    async destroy() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
