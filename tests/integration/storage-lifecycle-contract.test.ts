import { describeConversationLifecycleContract } from '../support/conversation-lifecycle-contract.js';
import { embeddedStoreFactory, mongoStoreFactory } from '../support/conversation-store-factories.js';

describeConversationLifecycleContract('MongoDB wire (MONGODB_URL)', () => mongoStoreFactory('lifecycle'));
describeConversationLifecycleContract('embedded (SQLite file)', () => embeddedStoreFactory('store-lifecycle'));
describeConversationLifecycleContract('embedded on a worker thread (as the host runs it)', () =>
  embeddedStoreFactory('store-lifecycle-thread', { backgroundCheckpoints: true, onThread: true }),
);
