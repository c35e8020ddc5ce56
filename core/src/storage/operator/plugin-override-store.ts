import type { OperatorActor } from './operator-actor.js';

/** An operator's `enabled` for one plugin, over the value in plugins.config.json. */
export interface EnabledOverrideRecord {
  readonly value: boolean;
  readonly actor: OperatorActor;
  readonly at: Date;
}

/** The last time an operator closed one plugin's breaker. */
export interface BreakerResetRecord {
  readonly actor: OperatorActor;
  readonly at: Date;
}

/** What operators changed about one plugin at run time (by plugin name). */
export interface PluginOverrideRecord {
  readonly plugin: string;
  /** Absent while plugins.config.json decides. */
  readonly enabled?: EnabledOverrideRecord;
  readonly breakerReset?: BreakerResetRecord;
}

/**
 * Operators' run-time switches, shared by every replica (MongoDB `plugin_overrides` or the embedded
 * `operator.db`). Last writer wins per plugin; replicas re-read the whole (small) set when told or on a timer.
 */
export interface PluginOverrideStore {
  readonly kind: 'mongodb' | 'sqlite';
  /** Every record, by plugin name. */
  list(): Promise<PluginOverrideRecord[]>;
  setEnabled(plugin: string, value: boolean, actor: OperatorActor, at: Date): Promise<void>;
  /** Removes the `enabled` override; false when there was none. */
  clearEnabled(plugin: string): Promise<boolean>;
  recordBreakerReset(plugin: string, actor: OperatorActor, at: Date): Promise<void>;
}
