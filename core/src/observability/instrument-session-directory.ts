import type { SessionDirectory } from '../chat/index.js';
import { withSpan } from './with-span.js';

/** Span attribute: where a session resolution found its conversation (redis, store, none). */
export const ACAI_SESSION_SOURCE = 'acai.session.source';

/**
 * Wraps session resolution in `session.resolve` / `session.bind` spans carrying the source the
 * conversation came from, so a trace shows whether a turn hit Redis or fell back to the store.
 */
export function instrumentSessionDirectory(sessions: SessionDirectory): SessionDirectory {
  return {
    resolve: (tenantId, session) =>
      withSpan('session.resolve', {}, async (span) => {
        const resolution = await sessions.resolve(tenantId, session);
        span.setAttribute(ACAI_SESSION_SOURCE, resolution.source);
        return resolution;
      }),
    resolveOrCreate: (tenantId, session, create) =>
      withSpan('session.resolve', {}, async (span) => {
        const resolution = await sessions.resolveOrCreate(tenantId, session, create);
        span.setAttribute(ACAI_SESSION_SOURCE, resolution.source);
        span.setAttribute('acai.session.is_new', resolution.isNew);
        return resolution;
      }),
    bind: (tenantId, session, conversationId) => withSpan('session.bind', {}, () => sessions.bind(tenantId, session, conversationId)),
    unbind: (tenantId, session, conversationId) => withSpan('session.unbind', {}, () => sessions.unbind(tenantId, session, conversationId)),
  };
}
