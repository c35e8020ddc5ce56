import { HostError } from '../errors/index.js';
import type { ReloadResult } from '../plugin-host/reload/index.js';
import type { OperatorActor } from '../storage/operator/index.js';
import type { AuditTrail } from './audit-trail.js';

/** A reload to put in the audit trail: who asked, and what became of it. */
export interface AuditedReload {
  readonly actor: OperatorActor;
  readonly clientAddress?: string;
  /** What started it (`admin`, `file`, `signal`, …). */
  readonly trigger: string;
  readonly outcome: { readonly result: ReloadResult } | { readonly error: unknown };
}

/**
 * Records a reload of the plugin set: one `config.reload` entry with its diff (entries added, removed
 * and the fields changed, never their values) and what loaded, plus one `plugin.add` / `plugin.remove`
 * entry for each entry the file gained or lost.
 */
export async function recordReload(trail: AuditTrail, reload: AuditedReload): Promise<void> {
  const common = { actor: reload.actor, ...(reload.clientAddress === undefined ? {} : { clientAddress: reload.clientAddress }) };
  if ('error' in reload.outcome) {
    const error = reload.outcome.error;
    await trail.record({
      ...common,
      action: 'config.reload',
      outcome: HostError.isInstance(error) && error.code !== 'HOST_INTERNAL' ? 'refused' : 'failed',
      message: HostError.isInstance(error) ? `${error.code}: ${error.message}` : 'the reload failed (see the host log)',
      details: { trigger: reload.trigger },
    });
    return;
  }
  const { result } = reload.outcome;
  await trail.record({
    ...common,
    action: 'config.reload',
    outcome: result.skipped ? 'unchanged' : 'ok',
    details: {
      trigger: reload.trigger,
      generation: result.generation,
      changes: result.configChanges,
      loaded: { reloaded: result.reloaded, added: result.added, removed: result.removed, failed: result.failed },
      ...(result.schemaChanges.length > 0 ? { schemaChanges: result.schemaChanges.map((change) => ({ tool: change.exposedName, from: change.fromVersion, to: change.toVersion, majorBump: change.isMajorBump })) } : {}),
    },
  });
  for (const plugin of result.configChanges.added) {
    await trail.record({ ...common, action: 'plugin.add', target: plugin, outcome: result.failed.includes(plugin) ? 'failed' : 'ok', details: { trigger: reload.trigger, generation: result.generation } });
  }
  for (const plugin of result.configChanges.removed) {
    await trail.record({ ...common, action: 'plugin.remove', target: plugin, outcome: 'ok', details: { trigger: reload.trigger, generation: result.generation } });
  }
}
