import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConversationRemover } from '../chat/index.js';
import type { ConversationStore } from '../storage/index.js';
import { deletesAnything, sweepTargets, type RetentionPolicy, type SweepTarget } from './retention-policy.js';
import type { SweepLease } from './sweep-lease.js';

/** Options of {@link RetentionSweeper}. */
export interface RetentionSweeperOptions {
  readonly policy: RetentionPolicy;
  readonly store: Pick<ConversationStore, 'listUntouched'>;
  readonly remover: ConversationRemover;
  readonly lease: SweepLease;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
  readonly now?: () => Date;
  /** Conversations read and deleted per step (default 100). */
  readonly batchSize?: number;
  /** Most deletions per sweep (default 10,000); the rest waits for the next interval. */
  readonly maxPerSweep?: number;
}

/** What one sweep did. */
export interface SweepReport {
  readonly outcome: 'completed' | 'skipped' | 'failed';
  readonly deleted: number;
}

/**
 * Deletes conversations untouched for longer than their tenant's retention, through the same remover
 * as DeleteConversation (session bindings and cached titles go too). Each replica runs one; a lease in
 * Redis lets one of them work per interval. Every delete is conditional on the conversation still being
 * untouched, so a sweep racing a new turn, or another replica's sweep, never deletes a live conversation.
 */
export class RetentionSweeper {
  readonly #options: RetentionSweeperOptions;
  readonly #now: () => Date;
  readonly #deleted: Counter;
  readonly #sweeps: Counter<'outcome'>;
  readonly #lastSweep: Gauge;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<SweepReport> | undefined;
  #isStopped = false;

  constructor(options: RetentionSweeperOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    const registers = options.registry === undefined ? [] : [options.registry];
    this.#deleted = metric(options.registry, 'acai_retention_deleted_conversations_total', () =>
      new Counter({ name: 'acai_retention_deleted_conversations_total', help: 'Conversations deleted by the retention sweeper.', registers }),
    );
    this.#sweeps = metric(options.registry, 'acai_retention_sweeps_total', () =>
      new Counter({ name: 'acai_retention_sweeps_total', help: 'Retention sweeps by outcome (skipped: another replica held the lease).', labelNames: ['outcome'] as const, registers }),
    );
    this.#lastSweep = metric(options.registry, 'acai_retention_last_sweep_timestamp_seconds', () =>
      new Gauge({ name: 'acai_retention_last_sweep_timestamp_seconds', help: 'When this replica last completed a retention sweep (Unix time).', registers }),
    );
  }

  /** True when the policy deletes anything (a sweeper that would never delete is not started). */
  get isActive(): boolean {
    return deletesAnything(this.#options.policy);
  }

  /** Sweeps every interval, the first time after a random part of it (so replicas started together spread out). */
  start(): void {
    if (!this.isActive || this.#timer !== undefined || this.#isStopped) return;
    this.#schedule(Math.floor(Math.random() * this.#options.intervalMs));
  }

  /** Stops the timer and waits for a sweep in progress (it stops between deletions). */
  async stop(): Promise<void> {
    this.#isStopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One sweep now (when this replica gets the lease); never rejects. */
  sweepOnce(): Promise<SweepReport> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      void this.sweepOnce().then(() => {
        if (!this.#isStopped) this.#schedule(this.#options.intervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #sweep(): Promise<SweepReport> {
    const { logger } = this.#options;
    let deleted = 0;
    try {
      // Slightly shorter than the interval, so the next interval's sweep finds the lease free.
      if (!(await this.#options.lease.tryAcquire(this.#options.intervalMs * 0.9))) {
        this.#sweeps.inc({ outcome: 'skipped' });
        return { outcome: 'skipped', deleted };
      }
      for (const target of sweepTargets(this.#options.policy, this.#now())) {
        deleted += await this.#sweepTarget(target, (this.#options.maxPerSweep ?? 10_000) - deleted);
      }
      this.#sweeps.inc({ outcome: 'completed' });
      this.#lastSweep.set(this.#now().getTime() / 1000);
      if (deleted > 0) logger.info({ deleted }, 'retention sweep deleted expired conversations');
      return { outcome: 'completed', deleted };
    } catch (error) {
      this.#sweeps.inc({ outcome: 'failed' });
      logger.warn({ err: error, deleted }, 'retention sweep failed; it is retried at the next interval');
      return { outcome: 'failed', deleted };
    }
  }

  async #sweepTarget(target: SweepTarget, budget: number): Promise<number> {
    const batchSize = this.#options.batchSize ?? 100;
    let deleted = 0;
    while (deleted < budget && !this.#isStopped) {
      const expired = await this.#options.store.listUntouched(target.scope, target.before, Math.min(batchSize, budget - deleted));
      let deletedNow = 0;
      for (const header of expired) {
        if (this.#isStopped) break;
        const removed = await this.#options.remover.remove(header.tenantId, header.id, this.#options.logger, { ifUpdatedBefore: target.before });
        if (removed !== undefined) deletedNow += 1;
      }
      deleted += deletedNow;
      this.#deleted.inc(deletedNow);
      // A short batch is the last one; a batch where nothing could go (each had a turn since) would repeat.
      if (expired.length < batchSize || deletedNow === 0) break;
    }
    return deleted;
  }
}

// One registry per app; a second sweeper on the same registry (tests) shares the metric.
function metric<T>(registry: Registry | undefined, name: string, create: () => T): T {
  return (registry?.getSingleMetric(name) as T | undefined) ?? create();
}
