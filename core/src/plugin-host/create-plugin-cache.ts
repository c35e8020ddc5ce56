import type { CacheSetOptions, ToolCache } from '@acai/plugin-sdk';
import type { KeyValueStore } from '../cache/index.js';

/**
 * A plugin's cache on the shared KeyValueStore: keys are namespaced `plugin:<name>:<key>` so plugins
 * never see each other's entries; values are JSON. A store failure reads as a miss and a failed write
 * is dropped, because a cache must never fail the tool call.
 */
export function createPluginCache(store: KeyValueStore, pluginName: string, onError?: (error: unknown, operation: string) => void): ToolCache {
  const prefix = `plugin:${pluginName}:`;
  return {
    async get<T = unknown>(key: string): Promise<T | undefined> {
      let text: string | undefined;
      try {
        text = await store.get(prefix + key);
      } catch (error) {
        onError?.(error, 'get');
        return undefined;
      }
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as T;
      } catch {
        return undefined;
      }
    },
    async set(key: string, value: unknown, options: CacheSetOptions): Promise<void> {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`Cache value for "${key}" is not JSON-serialisable`);
      try {
        await store.set(prefix + key, text, options.ttlSeconds);
      } catch (error) {
        onError?.(error, 'set');
      }
    },
    async delete(key: string): Promise<void> {
      try {
        await store.delete(prefix + key);
      } catch (error) {
        onError?.(error, 'delete');
      }
    },
  };
}
