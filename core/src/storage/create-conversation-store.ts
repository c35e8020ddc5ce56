import type { Logger } from 'pino';
import { HostError } from '../errors/index.js';
import type { ConversationStore } from './conversation-store.js';
import { describeMongodbFailure, describeMongodbTarget } from './describe-mongodb-target.js';
import { EmbeddedConversationStore } from './embedded/embedded-conversation-store.js';
import { ThreadedConversationStore } from './embedded/threaded-conversation-store.js';
import { MongoConversationStore } from './mongo/mongo-conversation-store.js';

/** Options for {@link createConversationStore}. */
export interface CreateConversationStoreOptions {
  /** MONGODB_URL; when set the MongoDB store is used, otherwise the embedded one. */
  mongodbUrl?: string;
  /** Database name; default: the one in the URL path, else `acai`. */
  mongoDatabase?: string;
  /** ACAI_DATA_DIR for the embedded store (default in config: `./.acai-data`). */
  dataDir: string;
  /** Run the embedded store on a worker thread (ThreadedConversationStore) instead of the event loop (default false). */
  embeddedThread?: boolean;
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
    const embedded = { dataDir: options.dataDir, logger, backgroundCheckpoints: true, ...(options.now === undefined ? {} : { now: options.now }) };
    store = options.embeddedThread === true ? new ThreadedConversationStore(embedded) : new EmbeddedConversationStore(embedded);
  }
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => {});
    throw store.kind === 'mongodb' && options.mongodbUrl !== undefined ? unreachableMongodb(options.mongodbUrl, error) : error;
  }
  logger.info({ store: store.kind, ...(store instanceof ThreadedConversationStore ? { onThread: true } : {}) }, 'conversation store ready');
  return store;
}

/** A start-up failure that names the servers and the reason, never the credentials in the URL. */
function unreachableMongodb(url: string, error: unknown): HostError {
  const cause = HostError.isInstance(error) && error.cause !== undefined ? error.cause : error;
  return new HostError(
    'HOST_STORE_UNAVAILABLE',
    `conversation store unavailable (init): cannot use MongoDB at ${describeMongodbTarget(url)}: ${describeMongodbFailure(cause)}. Check MONGODB_URL and that the server is reachable from this host.`,
    // Raised at start-up only, never on a request, so the servers' names reach operators, not clients.
    { cause: error },
  );
}
