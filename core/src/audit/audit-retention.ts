import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AuditLogStore } from '../storage/operator/index.js';
import { auditCounters } from './audit-metrics.js';

/** Options of {@link startAuditRetention}. */
export interface AuditRetentionOptions {
  readonly store: Pick<AuditLogStore, 'deleteOlderThan'>;
  /** Entries older than this many days are deleted; 0 keeps everything (nothing is started). */
  readonly retentionDays: number;
  readonly logger: Logger;
  readonly metricsRegistry?: Registry;
  /** How often to delete (default hourly; the first run is right away). */
  readonly intervalMs?: number;
  readonly now?: () => Date;
}

/** A running retention job. */
export interface AuditRetention {
  /** Deletes what is due now; resolves to how many entries went. */
  runOnce(): Promise<number>;
  stop(): void;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes audit entries older than AUDIT_RETENTION_DAYS, on start and then hourly, counting them in
 * `acai_audit_entries_deleted_total`. Every replica runs it; deletes are idempotent, so they only share the work.
 */
export function startAuditRetention(options: AuditRetentionOptions): AuditRetention {
  const now = options.now ?? (() => new Date());
  const deleted = options.metricsRegistry === undefined ? undefined : auditCounters(options.metricsRegistry).deleted;
  const logger = options.logger.child({ component: 'audit' });
  let running: Promise<number> | undefined;
  const runOnce = (): Promise<number> => {
    if (options.retentionDays === 0) return Promise.resolve(0);
    running ??= (async () => {
      try {
        const cutoff = new Date(now().getTime() - options.retentionDays * DAY_MS);
        const count = await options.store.deleteOlderThan(cutoff);
        deleted?.inc(count);
        if (count > 0) logger.info({ deleted: count, cutoff: cutoff.toISOString() }, 'deleted audit entries past their retention');
        return count;
      } catch (error) {
        logger.warn({ err: error }, 'could not delete old audit entries; retrying on the next run');
        return 0;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  if (options.retentionDays === 0) return { runOnce, stop: () => {} };
  void runOnce();
  const timer = setInterval(() => void runOnce(), options.intervalMs ?? DEFAULT_INTERVAL_MS);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
