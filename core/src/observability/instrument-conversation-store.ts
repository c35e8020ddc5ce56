import type { ConversationStore } from '../storage/index.js';
import { withSpan } from './with-span.js';

// Only the operations a chat turn or a listing performs get spans; init/ping/close stay quiet so
// readiness probes do not flood the trace backend.
const TRACED_OPERATIONS = ['create', 'get', 'append', 'setTitle', 'setSummary', 'list', 'findLatestForSession', 'findByToolProvenance'] as const;

/**
 * Wraps a ConversationStore so every data operation runs in a `store.<operation>` span
 * (OpenTelemetry database conventions: `db.system.name`, `db.operation.name`). The store itself stays
 * free of telemetry; failures are recorded by {@link withSpan} and rethrown unchanged.
 */
export function instrumentConversationStore(store: ConversationStore): ConversationStore {
  const system = store.kind === 'mongodb' ? 'mongodb' : 'sqlite';
  const traced = Object.create(store) as ConversationStore;
  for (const operation of TRACED_OPERATIONS) {
    const original = store[operation] as (...parameters: unknown[]) => Promise<unknown>;
    Object.defineProperty(traced, operation, {
      value: (...parameters: unknown[]) =>
        withSpan(`store.${operation}`, { 'db.system.name': system, 'db.operation.name': operation }, () => original.apply(store, parameters)),
    });
  }
  return traced;
}
