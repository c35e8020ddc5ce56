import type { Logger } from 'pino';
import type { ConversationStore } from './conversation-store.js';
import { EmbeddedConversationStore } from './embedded/embedded-conversation-store.js';
import { MongoConversationStore } from './mongo/mongo-conversation-store.js';

/** Options for {@link createConversationStore}. */
export interface CreateConversationStoreOptions {
  /** MONGODB_URL; when set the MongoDB store is used, otherwise the embedded one. */
  mongodbUrl?: string;
  /** Database name; default: the one in the URL path, else `acai`. */
  mongoDatabase?: string;
  /** ACAI_DATA_DIR for the embedded store (default in config: `./.acai-data`). */
  dataDir: string;
  logger: Logger;
  /** Injectable clock (tests). */
  now?: () => Date;
}

/** Builds the configured ConversationStore and runs its `init()` (indexes / tables). */
export async function createConversationStore(options: CreateConversationStoreOptions): Promise<ConversationStore> {
  const logger = options.logger;
  let store: ConversationStore;
  if (options.mongodbUrl !== undefined && options.mongodbUrl !== '') {
    store = new MongoConversationStore({
      url: options.mongodbUrl,
      logger,
      ...(options.mongoDatabase === undefined ? {} : { databaseName: options.mongoDatabase }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  } else {
    store = new EmbeddedConversationStore({
      dataDir: options.dataDir,
      logger,
      backgroundCheckpoints: true,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  logger.info({ store: store.kind }, 'conversation store ready');
  return store;
}
