import type { Collection, Db } from 'mongodb';
import { actorFromStored, normalizeActor, type OperatorActor } from './operator-actor.js';
import type { PluginOverrideRecord, PluginOverrideStore } from './plugin-override-store.js';

interface PluginOverrideDocument {
  _id: string;
  enabled?: { value: boolean; actor: OperatorActor; at: Date } | null;
  breakerReset?: { actor: OperatorActor; at: Date } | null;
}

function toRecord(document: PluginOverrideDocument): PluginOverrideRecord {
  const { enabled, breakerReset } = document;
  return {
    plugin: document._id,
    ...(enabled && typeof enabled.value === 'boolean' && enabled.at instanceof Date
      ? { enabled: { value: enabled.value, actor: actorFromStored(enabled.actor), at: enabled.at } }
      : {}),
    ...(breakerReset && breakerReset.at instanceof Date ? { breakerReset: { actor: actorFromStored(breakerReset.actor), at: breakerReset.at } } : {}),
  };
}

/** Operator overrides in the MongoDB collection `plugin_overrides`, one document per plugin. */
export class MongoPluginOverrideStore implements PluginOverrideStore {
  readonly kind = 'mongodb' as const;
  readonly #collection: Collection<PluginOverrideDocument>;

  constructor(db: Db, collection = 'plugin_overrides') {
    this.#collection = db.collection<PluginOverrideDocument>(collection);
  }

  async list(): Promise<PluginOverrideRecord[]> {
    // A handful of documents (one per configured plugin at most); bounded all the same.
    return (await this.#collection.find({}).sort({ _id: 1 }).limit(10_000).toArray()).map(toRecord);
  }

  async setEnabled(plugin: string, value: boolean, actor: OperatorActor, at: Date): Promise<void> {
    await this.#collection.updateOne({ _id: plugin }, { $set: { enabled: { value, actor: normalizeActor(actor), at } } }, { upsert: true });
  }

  async clearEnabled(plugin: string): Promise<boolean> {
    const result = await this.#collection.updateOne({ _id: plugin, enabled: { $type: 'object' } }, { $set: { enabled: null } });
    return result.modifiedCount > 0;
  }

  async recordBreakerReset(plugin: string, actor: OperatorActor, at: Date): Promise<void> {
    await this.#collection.updateOne({ _id: plugin }, { $set: { breakerReset: { actor: normalizeActor(actor), at } } }, { upsert: true });
  }
}
