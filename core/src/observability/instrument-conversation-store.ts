import type { ConversationStore } from '../storage/index.js';
import { tracingActive, untraced, withSpan } from './with-span.js';

/**
 * Wraps a ConversationStore so every data operation runs in a `store.<operation>` span
 * (OpenTelemetry database conventions: `db.system.name`, `db.operation.name`). The store itself stays
 * free of telemetry; failures are recorded by {@link withSpan} and rethrown unchanged. init, ping and
 * close get no span, so readiness probes do not flood the trace backend.
 */
export function instrumentConversationStore(store: ConversationStore): ConversationStore {
  const system = store.kind === 'mongodb' ? 'mongodb' : 'sqlite';
  // Each store call of a turn used to build its span's name and attributes even with tracing off.
  const traced = <T>(operation: string, run: () => Promise<T>): Promise<T> =>
    tracingActive() ? withSpan(`store.${operation}`, { 'db.system.name': system, 'db.operation.name': operation }, run) : untraced(run);
  return {
    kind: store.kind,
    init: () => store.init(),
    create: (input) => traced('create', () => store.create(input)),
    get: (tenantId, id, options) => traced('get', () => store.get(tenantId, id, options)),
    append: (tenantId, id, messages, options) => traced('append', () => store.append(tenantId, id, messages, options)),
    setTitle: (tenantId, id, title, options) => traced('setTitle', () => store.setTitle(tenantId, id, title, options)),
    setSummary: (tenantId, id, summary) => traced('setSummary', () => store.setSummary(tenantId, id, summary)),
    list: (tenantId, options) => traced('list', () => store.list(tenantId, options)),
    search: (tenantId, options) => traced('search', () => store.search(tenantId, options)),
    remove: (tenantId, id, options) => traced('remove', () => store.remove(tenantId, id, options)),
    replaceLastMessage: (tenantId, id, messageId, replacement) => traced('replaceLastMessage', () => store.replaceLastMessage(tenantId, id, messageId, replacement)),
    listUntouched: (scope, before, limit) => traced('listUntouched', () => store.listUntouched(scope, before, limit)),
    findLatestForSession: (tenantId, session, updatedSince) => traced('findLatestForSession', () => store.findLatestForSession(tenantId, session, updatedSince)),
    findByToolProvenance: (tenantId, plugin, pluginVersion, limit) => traced('findByToolProvenance', () => store.findByToolProvenance(tenantId, plugin, pluginVersion, limit)),
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
