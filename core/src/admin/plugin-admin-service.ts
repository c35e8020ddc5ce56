import { PLUGIN_NAME_PATTERN } from '@acai/plugin-sdk';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { actorFromPrincipal, recordReload, type AuditAction, type AuditTrail } from '../audit/index.js';
import { hasScope, type Principal } from '../auth/index.js';
import { HostError, invalidArgument, type HostErrorCode } from '../errors/index.js';
import type { PermissionSet, PluginStatus, RegisteredToolInfo } from '../plugin-host/index.js';
import type { ConfigDrift, ReloadOptions, ReloadResult, ReloadTrigger } from '../plugin-host/reload/index.js';
import type { WorkerHealth } from '../plugin-host/worker/index.js';
import { PluginInfo_BreakerState, PluginInfo_State, PluginInfoSchema, PluginService, type ConfigDriftSchema, type PluginInfo_PermissionsSchema } from '../rpc/generated/admin_pb.js';
import type { RpcContext, ServiceImplementation, ServiceMethods } from '../rpc/index.js';
import type { OperatorActor, PluginOverrideRecord } from '../storage/operator/index.js';
import { toWireActor } from './wire-actor.js';

/** The admin API's Twirp service descriptor (`acai.admin.PluginService`). */
export { PluginService };

/** The RPCs of `acai.admin.PluginService`, typed from admin.proto. */
export type PluginServiceImplementation = ServiceImplementation<ServiceMethods<typeof PluginService>>;

/**
 * What the admin service operates. A ReloadablePluginHost provides all of it (switches held in memory);
 * the app passes the host with operator state, which stores them for every replica and says who set them.
 */
export interface PluginAdminTarget {
  readonly generation: number;
  /** Set while plugins.config.json is refused and an older config serves. */
  readonly drift?: ConfigDrift | undefined;
  listPlugins(): readonly PluginStatus[];
  listTools(): readonly RegisteredToolInfo[];
  reload(trigger: ReloadTrigger, options?: ReloadOptions): Promise<ReloadResult>;
  setEnabled(pluginName: string, isEnabled: boolean, actor: OperatorActor): Promise<PluginStatus>;
  /** Removes the enable/disable override; the file decides again. */
  clearOverride(pluginName: string, actor: OperatorActor): Promise<PluginStatus>;
  resetBreaker(pluginName: string, actor: OperatorActor): boolean | Promise<boolean>;
  /** `enabled` in plugins.config.json. */
  fileEnabled?(pluginName: string): boolean | undefined;
  /** Who set the plugin's override and reset its breaker, and when. */
  overrideOf?(pluginName: string): PluginOverrideRecord | undefined;
}

/** Options of {@link createPluginAdminService}. */
export interface PluginAdminServiceOptions {
  readonly host: PluginAdminTarget;
  /** Worker crash and MCP server exit/restart counts per plugin (a WorkerEventTracker's `get`). */
  readonly workerHealth?: (pluginName: string) => WorkerHealth;
  /** Where every change is recorded (who, what, from where, outcome); none in unit tests. */
  readonly audit?: AuditTrail;
}

const BREAKER_STATES: Record<PluginStatus['breakerState'], PluginInfo_BreakerState> = {
  closed: PluginInfo_BreakerState.CLOSED,
  open: PluginInfo_BreakerState.OPEN,
  'half-open': PluginInfo_BreakerState.HALF_OPEN,
};

/** A plugin's permissions and sandbox, in admin.proto's terms. */
function describeIsolation(status: PluginStatus): Pick<MessageInitShape<typeof PluginInfoSchema>, 'requestedPermissions' | 'grantedPermissions' | 'sandbox' | 'sandboxExemption'> {
  const permissions = status.permissions;
  const sandbox = status.sandbox;
  return {
    ...(permissions === undefined ? {} : { requestedPermissions: toWirePermissions(permissions.requested), grantedPermissions: toWirePermissions(permissions.granted) }),
    sandbox: sandbox?.kind ?? '',
    sandboxExemption: sandbox?.kind === 'none' ? sandbox.exemption : '',
  };
}

function toWirePermissions(set: PermissionSet): MessageInitShape<typeof PluginInfo_PermissionsSchema> {
  return { network: [...set.network], env: [...set.env], read: [...set.read], scratchMb: set.scratchMb ?? 0, processes: set.processes };
}

const PLUGIN_STATES: Record<PluginStatus['state'], PluginInfo_State> = {
  loaded: PluginInfo_State.ACTIVE,
  disabled: PluginInfo_State.DISABLED,
  failed: PluginInfo_State.FAILED,
  starting: PluginInfo_State.STARTING,
};

/**
 * The plugin admin API. Every method requires a principal with the `admin` scope on the call's
 * context (the auth layer puts it there; the route rule should demand the scope too — this check
 * keeps the service safe if it is mounted without one).
 */
export function createPluginAdminService(options: PluginAdminServiceOptions): PluginServiceImplementation {
  const { host } = options;
  const describe = (status: PluginStatus): MessageInitShape<typeof PluginInfoSchema> => {
    const tools = new Map(host.listTools().map((tool) => [tool.exposedName, tool]));
    const health = status.mode === 'inline' ? undefined : options.workerHealth?.(status.name);
    const lastError = describeLastError(status, health);
    return {
      name: status.name,
      source: status.source,
      version: status.version ?? '',
      sdkRange: status.sdkRange ?? '',
      mode: status.mode,
      // The runtime's own answer (this generation's worker) wins over the tracker's, which is kept by name across reloads.
      state: status.state === 'loaded' && (status.isRestarting ?? health?.isRestarting) === true ? PluginInfo_State.RESTARTING : PLUGIN_STATES[status.state],
      required: status.required,
      tools: status.tools.map((exposedName) => {
        const tool = tools.get(exposedName);
        return { exposedName, name: tool?.tool ?? exposedName, description: tool?.description ?? '', idempotent: tool?.idempotent ?? false };
      }),
      breakerState: BREAKER_STATES[status.breakerState],
      callCount: BigInt(status.calls),
      errorCount: BigInt(status.errors),
      lastError: lastError?.message ?? '',
      lastErrorCode: lastError?.code ?? '',
      ...(lastError?.at === undefined || Number.isNaN(lastError.at.getTime()) ? {} : { lastErrorTime: timestampFromDate(lastError.at) }),
      restartCount: BigInt(health?.restarts ?? 0),
      startAttempts: status.startAttempts.made,
      maxStartAttempts: status.startAttempts.max,
      kind: status.kind,
      transport: status.transport ?? '',
      serverName: status.serverName ?? '',
      fileEnabled: host.fileEnabled?.(status.name) ?? status.state !== 'disabled',
      ...overrideFields(host.overrideOf?.(status.name)),
      integrity: status.installed?.integrity ?? '',
      signer: status.signer ?? '',
      refusedVersion: status.refusedRelease?.version ?? '',
      ...describeIsolation(status),
    };
  };
  const find = (name: string): PluginStatus => {
    const status = host.listPlugins().find((plugin) => plugin.name === name);
    if (status === undefined) throw new HostError('HOST_ADMIN_PLUGIN_UNKNOWN', `no plugin named "${name}" is configured`, { meta: { argument: 'name' } });
    return status;
  };
  const requireName = (name: string): string => {
    if (name.trim() === '') throw invalidArgument('name', 'name is required');
    // Checked before any lookup, so an oversized or hostile name is never echoed back or logged whole.
    if (!PLUGIN_NAME_PATTERN.test(name)) throw invalidArgument('name', 'name must be a plugin name as in plugins.config.json (lowercase letters, digits and "-", 2 to 32 characters)');
    return name;
  };

  /** Runs an operator action and records it, whatever its outcome, with the caller and its address. */
  const audited = async <T>(context: RpcContext, action: AuditAction, target: string, operation: (actor: OperatorActor) => Promise<T>): Promise<T> => {
    const actor = actorFromPrincipal(requireAdmin(context));
    try {
      const result = await operation(actor);
      await options.audit?.record({ action, actor, target, clientAddress: context.clientIp, outcome: 'ok' });
      return result;
    } catch (error) {
      const isRefusal = HostError.isInstance(error) && error.code !== 'HOST_INTERNAL' && error.code !== 'HOST_STORE_UNAVAILABLE';
      const message = HostError.isInstance(error) ? error.message : 'the host failed (see its log)';
      await options.audit?.record({ action, actor, target, clientAddress: context.clientIp, outcome: isRefusal ? 'refused' : 'failed', message });
      throw error;
    }
  };
  return {
    async listPlugins(_request, context) {
      requireAdmin(context);
      const drift = host.drift;
      return { plugins: host.listPlugins().map(describe), generation: BigInt(host.generation), ...(drift === undefined ? {} : { drift: toWireDrift(drift) }) };
    },
    async enablePlugin(request, context) {
      requireAdmin(context);
      const name = requireName(request.name);
      find(name);
      return audited(context, 'plugin.enable', name, async (actor) => ({ plugin: describe(await operatorFacing(() => host.setEnabled(name, true, actor))) }));
    },
    async disablePlugin(request, context) {
      requireAdmin(context);
      const name = requireName(request.name);
      find(name);
      return audited(context, 'plugin.disable', name, async (actor) => ({ plugin: describe(await operatorFacing(() => host.setEnabled(name, false, actor))) }));
    },
    async clearPluginOverride(request, context) {
      requireAdmin(context);
      const name = requireName(request.name);
      find(name);
      return audited(context, 'plugin.clear_override', name, async (actor) => ({ plugin: describe(await operatorFacing(() => host.clearOverride(name, actor))) }));
    },
    async reloadPlugins(request, context) {
      const actor = actorFromPrincipal(requireAdmin(context));
      let result: ReloadResult;
      try {
        result = await operatorFacing(() => host.reload('admin', { ifChanged: request.ifChanged }));
      } catch (error) {
        if (options.audit !== undefined) await recordReload(options.audit, { actor, clientAddress: context.clientIp, trigger: 'admin', outcome: { error } });
        throw error;
      }
      if (options.audit !== undefined) await recordReload(options.audit, { actor, clientAddress: context.clientIp, trigger: 'admin', outcome: { result } });
      return {
        skipped: result.skipped,
        generation: BigInt(result.generation),
        reloaded: [...result.reloaded],
        added: [...result.added],
        removed: [...result.removed],
        unchanged: [...result.unchanged],
        failed: [...result.failed],
        schemaChanges: result.schemaChanges.map((change) => ({
          tool: change.exposedName,
          plugin: change.plugin,
          fromVersion: change.fromVersion,
          toVersion: change.toVersion,
          fromFingerprint: change.fromFingerprint,
          toFingerprint: change.toFingerprint,
          majorBump: change.isMajorBump,
        })),
      };
    },
    async resetBreaker(request, context) {
      requireAdmin(context);
      const name = requireName(request.name);
      const status = find(name);
      return audited(context, 'plugin.reset_breaker', name, async (actor) => {
        if (status.state !== 'loaded' || !(await host.resetBreaker(name, actor))) {
          throw new HostError('HOST_ADMIN_PLUGIN_NOT_LOADED', `plugin "${name}" is not loaded (state: ${status.state})`, { meta: { argument: 'name' } });
        }
        return { plugin: describe(find(name)) };
      });
    },
  };
}

/** A plugin's last error with its code and time, when it has one. */
interface LastError {
  readonly code: string;
  readonly message: string;
  readonly at: Date | undefined;
}

/**
 * What ListPlugins reports as the last error. A plugin that is not serving shows why (the load or start
 * failure, with its HOST_PLUGIN_* code), even when a start attempt's worker was killed on the way; a
 * serving one shows the newer of its last failed call (a tool error code) and its worker's or server's
 * last crash (HOST_PLUGIN_CRASHED).
 */
function describeLastError(status: PluginStatus, health: WorkerHealth | undefined): LastError | undefined {
  if (status.state !== 'loaded') return status.error === undefined ? undefined : { code: status.error.code, message: status.error.message, at: undefined };
  const call = status.lastError === undefined ? undefined : { code: status.lastError.code, message: status.lastError.message, at: new Date(status.lastError.at) };
  const crash = health?.lastCrash === undefined ? undefined : { code: 'HOST_PLUGIN_CRASHED' satisfies HostErrorCode, message: health.lastCrash.message, at: health.lastCrash.at };
  if (crash === undefined) return call ?? refusedReleaseError(status);
  return call === undefined || crash.at.getTime() > (call.at.getTime() || 0) ? crash : call;
}

/** A refused release whose last good release serves: why the configured one is not the one serving. */
function refusedReleaseError(status: PluginStatus): LastError | undefined {
  const refused = status.refusedRelease;
  return refused === undefined ? undefined : { code: refused.code, message: refused.message, at: undefined };
}

/** Refuses callers without the `admin` scope; returns the caller. */
export function requireAdmin(context: RpcContext): Principal {
  const principal = context.principal as Principal | undefined;
  if (principal === undefined || !Array.isArray(principal.scopes)) {
    throw new HostError('HOST_UNAUTHENTICATED', 'the admin API needs an API key with the "admin" scope');
  }
  if (!hasScope(principal, 'admin')) throw new HostError('HOST_PERMISSION_DENIED', 'this API key lacks the "admin" scope');
  return principal;
}

/** The override and breaker-reset fields of PluginInfo. */
function overrideFields(record: PluginOverrideRecord | undefined): Pick<MessageInitShape<typeof PluginInfoSchema>, 'enabledOverride' | 'lastBreakerReset'> {
  if (record === undefined) return {};
  return {
    ...(record.enabled === undefined
      ? {}
      : { enabledOverride: { enabled: record.enabled.value, setBy: toWireActor(record.enabled.actor), setTime: timestampFromDate(record.enabled.at) } }),
    ...(record.breakerReset === undefined ? {} : { lastBreakerReset: { resetBy: toWireActor(record.breakerReset.actor), resetTime: timestampFromDate(record.breakerReset.at) } }),
  };
}

function toWireDrift(drift: ConfigDrift): MessageInitShape<typeof ConfigDriftSchema> {
  return {
    code: drift.code,
    reason: drift.reason,
    since: timestampFromDate(drift.since),
    trigger: drift.trigger,
    ...(drift.lastGoodAt === undefined ? {} : { lastGoodTime: timestampFromDate(drift.lastGoodAt) }),
  };
}

/**
 * Plugin load and config failures are written for operators, and the admin API's callers are the
 * operators: they get the message (as HOST_ADMIN_CHANGE_REFUSED → failed_precondition, or not_found
 * for a missing package) instead of the generic `internal` the chat API would show.
 */
async function operatorFacing<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (HostError.isInstance(error) && (error.code.startsWith('HOST_PLUGIN_') || error.code === 'HOST_CONFIG_INVALID' || error.code === 'HOST_DUPLICATE_TOOL')) {
      const code = error.code === 'HOST_PLUGIN_NOT_FOUND' ? 'HOST_ADMIN_PLUGIN_UNKNOWN' : 'HOST_ADMIN_CHANGE_REFUSED';
      throw new HostError(code, error.message, { cause: error, meta: { host_code: error.code } });
    }
    throw error;
  }
}
