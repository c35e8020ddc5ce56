export type { ApiKeyRecord, ApiKeyStore, ApiKeyListFilter } from './api-key-store.js';
export { SqliteApiKeyStore } from './sqlite-api-key-store.js';
export { MongoApiKeyStore } from './mongo-api-key-store.js';
export type { MongoApiKeyStoreOptions } from './mongo-api-key-store.js';
