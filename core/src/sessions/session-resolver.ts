import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../cache/index.js';
import { KeyedSerializer } from '../storage/keyed-serializer.js';
import { isObjectIdHex } from '../storage/object-id.js';
import type { ConversationStore, SessionIdentity } from '../storage/index.js';
import { sessionKey } from './session-key.js';

/**
 * Where a resolution came from: the session key-value store (Redis, or memory without REDIS_URL),
 * the conversation store (Redis missed or was down), or nowhere (a new conversation is needed).
 */
export type SessionSource = 'redis' | 'store' | 'none';

/** Result of {@link SessionResolver.resolve}. */
export interface SessionResolution {
  readonly conversationId?: string;
  readonly source: SessionSource;
}

/** Why a resolution went to the conversation store. */
export type SessionFallbackReason = 'miss' | 'unavailable' | 'corrupt';

/** Options for {@link SessionResolver}. */
export interface SessionResolverOptions {
  keyValueStore: KeyValueStore;
  conversationStore: Pick<ConversationStore, 'findLatestForSession'>;
  logger: Logger;
  /** Sliding session lifetime (default 1800 s = 30 min, the old service's SESSION_TTL_MINUTES). */
  ttlSeconds?: number;
  /** Registry for the session counters; without one they are created unregistered. */
  registry?: Registry;
  /** Injectable clock in epoch milliseconds. */
  now?: () => number;
  /** At most one "Redis is down" warning per this interval (default 60 s). */
  degradedLogIntervalMs?: number;
}

interface SessionValue {
  conversation_id: string | null;
}

const DEFAULT_TTL_SECONDS = 30 * 60;
const DEFAULT_DEGRADED_LOG_INTERVAL_MS = 60_000;

function counter<T extends string>(registry: Registry | undefined, name: string, help: string, labelNames: readonly T[]): Counter<T> {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Counter<T>;
  return new Counter<T>({ name, help, labelNames, registers: registry ? [registry] : [] });
}

/**
 * Maps a stateless client's session (platform, chat, user) to its current conversation.
 *
 * Redis (the KeyValueStore) is primary, with a sliding TTL. On a miss the newest conversation of the
 * session updated within the TTL is recovered from the conversation store and re-bound. When Redis
 * is down, resolutions keep working from the store (degraded: counted, and logged once per interval).
 * After the TTL without activity a session resolves to nothing and the caller starts a new conversation.
 */
export class SessionResolver {
  readonly ttlSeconds: number;
  readonly #keyValueStore: KeyValueStore;
  readonly #conversationStore: Pick<ConversationStore, 'findLatestForSession'>;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #degradedLogIntervalMs: number;
  readonly #resolutions: Counter<'source'>;
  readonly #fallbacks: Counter<'reason'>;
  readonly #serializer = new KeyedSerializer();
  #lastDegradedLogAt = Number.NEGATIVE_INFINITY;
  #lastRecoveryLogAt = Number.NEGATIVE_INFINITY;
  #suppressedDegradedLogs = 0;
  #isDegraded = false;

  constructor(options: SessionResolverOptions) {
    this.#keyValueStore = options.keyValueStore;
    this.#conversationStore = options.conversationStore;
    this.#logger = options.logger;
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!(this.ttlSeconds > 0)) throw new Error('SessionResolver ttlSeconds must be positive');
    this.#now = options.now ?? Date.now;
    this.#degradedLogIntervalMs = options.degradedLogIntervalMs ?? DEFAULT_DEGRADED_LOG_INTERVAL_MS;
    this.#resolutions = counter(options.registry, 'acai_session_resolutions_total', 'Session resolutions by where the conversation was found (new = none found).', ['source']);
    this.#fallbacks = counter(options.registry, 'acai_session_store_fallbacks_total', 'Session resolutions answered by the conversation store instead of Redis, by reason.', ['reason']);
  }

  /** Finds the session's current conversation, refreshing its TTL. */
  async resolve(tenantId: string, session: SessionIdentity): Promise<SessionResolution> {
    const key = sessionKey(tenantId, session);
    let reason: SessionFallbackReason = 'miss';
    try {
      const raw = await this.#keyValueStore.get(key);
      this.#noteHealthy();
      if (raw !== undefined) {
        const value = this.#parse(raw);
        if (value === 'corrupt') {
          reason = 'corrupt';
        } else if (value.conversation_id === null) {
          // Tombstone written by forget(): the client asked for a fresh conversation.
          this.#resolutions.inc({ source: 'new' });
          return { source: 'none' };
        } else {
          await this.#keyValueStore.expire(key, this.ttlSeconds);
          this.#resolutions.inc({ source: 'redis' });
          return { conversationId: value.conversation_id, source: 'redis' };
        }
      }
    } catch (error) {
      reason = 'unavailable';
      this.#noteDegraded(error);
    }

    this.#fallbacks.inc({ reason });
    const since = new Date(this.#now() - this.ttlSeconds * 1000);
    const header = await this.#conversationStore.findLatestForSession(tenantId, session, since);
    if (!header) {
      this.#resolutions.inc({ source: 'new' });
      return { source: 'none' };
    }
    if (reason !== 'unavailable') await this.#write(key, { conversation_id: header.id });
    this.#resolutions.inc({ source: 'store' });
    return { conversationId: header.id, source: 'store' };
  }

  /**
   * Resolves the session or, when it has no live conversation, creates one with `create` and binds it.
   * Concurrent calls for the same session in this process share one outcome, so two quick first
   * messages cannot open two conversations.
   */
  async resolveOrCreate(
    tenantId: string,
    session: SessionIdentity,
    create: () => Promise<string>,
  ): Promise<{ conversationId: string; source: SessionSource; isNew: boolean }> {
    return this.#serializer.run(sessionKey(tenantId, session), async () => {
      const resolution = await this.resolve(tenantId, session);
      if (resolution.conversationId !== undefined) {
        return { conversationId: resolution.conversationId, source: resolution.source, isNew: false };
      }
      const conversationId = await create();
      await this.bind(tenantId, session, conversationId);
      return { conversationId, source: 'none' as const, isNew: true };
    });
  }

  /** Points the session at a conversation (after creating one) with a fresh TTL. Never throws on Redis failure. */
  async bind(tenantId: string, session: SessionIdentity, conversationId: string): Promise<void> {
    await this.#write(sessionKey(tenantId, session), { conversation_id: conversationId });
  }

  /** Refreshes the TTL of an existing binding; false when there is none (or Redis is down). */
  async touch(tenantId: string, session: SessionIdentity): Promise<boolean> {
    try {
      const refreshed = await this.#keyValueStore.expire(sessionKey(tenantId, session), this.ttlSeconds);
      this.#noteHealthy();
      return refreshed;
    } catch (error) {
      this.#noteDegraded(error);
      return false;
    }
  }

  /**
   * Ends the session's current conversation: the next resolve returns `none` for the rest of the TTL.
   * A tombstone rather than a delete, because a delete would let the store recovery bring the old
   * conversation back. The usual flow needs no forget at all: create the new conversation with the
   * session fields and `bind` it, which also works while Redis is down (it is the newest in the store).
   */
  async forget(tenantId: string, session: SessionIdentity): Promise<void> {
    await this.#write(sessionKey(tenantId, session), { conversation_id: null });
  }

  /**
   * A deleted conversation leaves its session: when the session still points at `conversationId`, it
   * gets the tombstone {@link forget} writes, so the next message starts a new conversation instead of
   * the store recovery reviving an older one. A session bound elsewhere meanwhile is left alone. Never
   * throws on Redis failure (a binding to a missing conversation only costs the turn a new one).
   */
  async unbind(tenantId: string, session: SessionIdentity, conversationId: string): Promise<void> {
    const key = sessionKey(tenantId, session);
    await this.#serializer.run(key, async () => {
      try {
        const raw = await this.#keyValueStore.get(key);
        this.#noteHealthy();
        const value = raw === undefined ? undefined : this.#parse(raw);
        if (value === undefined || value === 'corrupt' || value.conversation_id !== conversationId) return;
      } catch (error) {
        this.#noteDegraded(error);
        return;
      }
      await this.#write(key, { conversation_id: null });
    });
  }

  #parse(raw: string): SessionValue | 'corrupt' {
    try {
      const value = JSON.parse(raw) as Partial<SessionValue> | null;
      if (value !== null && typeof value === 'object') {
        if (value.conversation_id === null) return { conversation_id: null };
        if (typeof value.conversation_id === 'string' && isObjectIdHex(value.conversation_id)) return { conversation_id: value.conversation_id };
      }
    } catch {
      // fall through
    }
    return 'corrupt';
  }

  async #write(key: string, value: SessionValue): Promise<void> {
    try {
      await this.#keyValueStore.set(key, JSON.stringify(value), this.ttlSeconds);
      this.#noteHealthy();
    } catch (error) {
      // The conversation store still answers for this session; losing the Redis binding only costs a lookup.
      this.#noteDegraded(error);
    }
  }

  #noteDegraded(error: unknown): void {
    this.#isDegraded = true;
    const now = this.#now();
    if (now - this.#lastDegradedLogAt < this.#degradedLogIntervalMs) {
      this.#suppressedDegradedLogs += 1;
      return;
    }
    this.#logger.warn(
      { err: error, suppressed: this.#suppressedDegradedLogs, store: this.#keyValueStore.kind },
      'session key-value store unavailable; resolving sessions from the conversation store',
    );
    this.#lastDegradedLogAt = now;
    this.#suppressedDegradedLogs = 0;
  }

  #noteHealthy(): void {
    if (!this.#isDegraded) return;
    this.#isDegraded = false;
    // Rate-limited like the warning, so a flapping Redis cannot flood the logs either way.
    const now = this.#now();
    if (now - this.#lastRecoveryLogAt < this.#degradedLogIntervalMs) return;
    this.#lastRecoveryLogAt = now;
    this.#logger.info({ store: this.#keyValueStore.kind }, 'session key-value store available again');
  }
}
