import type { Logger } from 'pino';
import { createAuditTrail, HOST_ACTOR, recordReload, startAuditRetention, type AuditTrail } from '../audit/index.js';
import { RedisChangeChannel } from '../cache/index.js';
import type { HostConfig } from '../config/env-config.js';
import type { HostMetrics } from '../observability/index.js';
import { OperatorState } from '../operator-state/index.js';
import type { ReloadablePluginHost, ReloadEvent } from '../plugin-host/reload/index.js';
import type { PluginOverrideRecord } from '../storage/operator/index.js';
import type { HostStores } from './open-stores.js';
import type { ShutdownSteps } from './shutdown-steps.js';

/** The operator's side of the host: switches shared by every replica, and the audit trail. */
export interface OperatorParts {
  readonly operatorState: OperatorState;
  readonly audit: AuditTrail;
}

/** What {@link startOperatorState} wires. */
export interface OperatorStateDependencies {
  readonly stores: HostStores;
  readonly pluginHost: ReloadablePluginHost;
  /** The override records the first plugin set was loaded with. */
  readonly initialRecords: readonly PluginOverrideRecord[];
  readonly metrics: HostMetrics;
  readonly logger: Logger;
  readonly shutdown: ShutdownSteps;
}

/** Reloads the host starts by itself (the rest are recorded where an operator asked for them). */
const HOST_TRIGGERS: ReadonlySet<string> = new Set(['file', 'signal', 'tools_changed', 'rollback']);

/**
 * Operator state over the store (announced on the Redis channel `<REDIS_KEY_PREFIX>operator-overrides`,
 * polled every PLUGINS_OVERRIDES_POLL_MS), the audit trail with its retention job, and the audit entries of
 * the reloads the host starts by itself. Each stops in the first shutdown phase, before the server drains.
 */
export async function startOperatorState(config: HostConfig, dependencies: OperatorStateDependencies): Promise<OperatorParts> {
  const { stores, pluginHost, metrics, logger, shutdown } = dependencies;
  const audit = createAuditTrail({ store: stores.operator.audit, logger, metricsRegistry: metrics.registry });
  const operatorState = await OperatorState.start({
    host: pluginHost,
    store: stores.operator.overrides,
    initialRecords: dependencies.initialRecords,
    channel: stores.redis === undefined ? undefined : new RedisChangeChannel(stores.redis, `${config.redis.keyPrefix}operator-overrides`),
    pollIntervalMs: config.operator.overridesPollMs,
    logger,
  });
  shutdown.add('config-watches', () => operatorState.close());
  const retention = startAuditRetention({ store: stores.operator.audit, retentionDays: config.operator.auditRetentionDays, logger, metricsRegistry: metrics.registry });
  shutdown.add('config-watches', () => retention.stop());
  const stopAuditingReloads = pluginHost.onReload((event) => void auditHostReload(audit, event));
  shutdown.add('config-watches', stopAuditingReloads);
  return { operatorState, audit };
}

/** The records in the store when the host starts; none (and a warning) when it cannot be read, and polling catches up. */
export async function readInitialOverrides(stores: HostStores, logger: Logger): Promise<PluginOverrideRecord[]> {
  try {
    return await stores.operator.overrides.list();
  } catch (error) {
    logger.warn({ err: error }, 'cannot read operator overrides at start-up; starting with plugins.config.json as written and retrying in the background');
    return [];
  }
}

function auditHostReload(audit: AuditTrail, event: ReloadEvent): Promise<void> {
  if (!HOST_TRIGGERS.has(event.trigger) || event.outcome === 'skipped') return Promise.resolve();
  return recordReload(audit, { actor: HOST_ACTOR, trigger: event.trigger, outcome: event.outcome === 'ok' ? { result: event.result } : { error: event.error } });
}
