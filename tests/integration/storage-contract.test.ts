import { describeConversationStoreContract } from '../support/conversation-store-contract.js';
import { embeddedStoreFactory, mongoStoreFactory } from '../support/conversation-store-factories.js';

describeConversationStoreContract('MongoDB wire (MONGODB_URL)', () => mongoStoreFactory('contract'));
describeConversationStoreContract('embedded (SQLite file)', () => embeddedStoreFactory('store-contract'));
describeConversationStoreContract('embedded (SQLite file, WAL checkpoints on a thread)', () =>
  embeddedStoreFactory('store-contract-checkpoints', { backgroundCheckpoints: true }),
);
describeConversationStoreContract('embedded on a worker thread (as the host runs it)', () =>
  embeddedStoreFactory('store-contract-thread', { backgroundCheckpoints: true, onThread: true }),
);
