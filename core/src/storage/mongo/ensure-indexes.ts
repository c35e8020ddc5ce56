import { MongoServerError, type Collection, type Document, type IndexDescription } from 'mongodb';

const NAMESPACE_NOT_FOUND = 26;

/**
 * Creates only the missing indexes, one per command. Re-sending existing ones is a no-op on MongoDB, but
 * FerretDB 1.24 drops the connection when one createIndexes names several existing indexes (which
 * happens whenever a second replica or process starts on the same database).
 */
export async function ensureIndexes<Schema extends Document>(collection: Collection<Schema>, indexes: readonly IndexDescription[]): Promise<void> {
  let existing: Set<string>;
  try {
    existing = new Set((await collection.listIndexes().toArray()).map((index) => String(index.name)));
  } catch (error) {
    if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
    existing = new Set();
  }
  for (const index of indexes) {
    if (index.name !== undefined && existing.has(index.name)) continue;
    const { key, ...options } = index;
    await collection.createIndex(key, options);
  }
}

/**
 * {@link ensureIndexes} run once per store, lazily (the first write or read that needs them); a failure is
 * not remembered, so the next call tries again.
 */
export function ensureIndexesOnce<Schema extends Document>(collection: Collection<Schema>, indexes: readonly IndexDescription[]): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () => {
    created ??= ensureIndexes(collection, indexes).catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    return created;
  };
}
