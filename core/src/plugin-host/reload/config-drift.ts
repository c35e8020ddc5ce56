import { HostError } from '../../errors/index.js';

/**
 * plugins.config.json on disk is not what serves: loading it was refused (or a rollback undid it), and
 * the host keeps serving the last config that loaded. Reported by /readyz (degraded) and ListPlugins.
 */
export interface ConfigDrift {
  /** The refusal's host error code (`HOST_PLUGIN_REQUIRED_FAILED`, `HOST_CONFIG_INVALID`, …) or `ROLLED_BACK`. */
  readonly code: string;
  /** Why, for the operator. */
  readonly reason: string;
  readonly since: Date;
  /** `startup` when the host started from its last good config; otherwise the trigger of the refused reload. */
  readonly trigger: string;
  /** Set when the serving config is the last good one the host saved, after the file was refused at start-up. */
  readonly lastGoodAt?: Date;
}

/** The drift a refused load leaves: the error's code and message (never a stack). */
export function driftFromRefusal(error: unknown, trigger: string, since: Date, lastGoodAt?: Date): ConfigDrift {
  const code = HostError.isInstance(error) ? error.code : 'HOST_INTERNAL';
  const reason = HostError.isInstance(error) ? error.message : 'the plugin set could not be loaded (see the host log)';
  return { code, reason, since, trigger, ...(lastGoodAt === undefined ? {} : { lastGoodAt }) };
}

/** A load failure that is the config's fault (the host refuses the file), as opposed to a bug in the host. */
export function isConfigRefusal(error: unknown): boolean {
  return HostError.isInstance(error) && (error.code === 'HOST_CONFIG_INVALID' || error.code === 'HOST_DUPLICATE_TOOL' || error.code.startsWith('HOST_PLUGIN_'));
}
