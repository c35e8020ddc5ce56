import { access } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock, PluginPackageJson } from '@acai/plugin-sdk';
import {
  checkHostCompatibility,
  checkManifest,
  checkSdkCompatibility,
  checkVersionRange,
  createSecretScrubber,
  createSystemClock,
  createToolHttpClient,
  PluginCheckError,
  preparePlugin,
  readPackageJson,
  SDK_PACKAGE_NAME,
  type PluginCheckCode,
  type PreparedPlugin,
} from '@acai/plugin-sdk/host';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KeyValueStore } from '../cache/index.js';
import type { IsolationMode, PluginMode } from '../config/isolation-modes.js';
import { createToolFilter, type McpTransportKind, type PluginEntryConfig, type PluginsConfig } from '../config/plugins-config.js';
import type { InstalledRelease } from '../config/supply-chain-config.js';
import { HostError, type HostErrorCode } from '../errors/index.js';
import type { ToolCallOptions, ToolCallResult, ToolExecutor, ToolProvenance } from '../tool-calls/index.js';
import { createPluginCache } from './create-plugin-cache.js';
import { executeToolCall } from './execute-tool-call.js';
import { isFirstPartyPackage } from './first-party.js';
import { checkPermissionGrant, manifestRequest, toPermissionSet, type PermissionSet } from './permissions/index.js';
import { grantOf, placePackage, protectedHostPaths, warnSandboxOptOut, type PluginSandboxStatus, type SandboxSettings } from './place-plugin.js';
import type { ProtectedPath } from './sandbox/index.js';
import { openMcpServerSandbox, openPackageSandbox, type SandboxContext } from './plugin-sandboxes.js';
import { LoadedPlugin, type PluginLastError } from './loaded-plugin.js';
import { checkMcpServer, DEFAULT_MCP_SETTINGS, describeMcpServer, type McpRuntimeSettings, type McpServerEvent } from './mcp/index.js';
import { PluginCallPolicy } from './plugin-call-policy.js';
import type { PluginRuntime, PluginRuntimeFactory, PluginRuntimeServices } from './plugin-runtime.js';
import { checkDependenciesInstalled } from './install/check-dependencies-installed.js';
import { checkReleaseCompatibility, lastGoodRelease } from './release-guard/release-guard.js';
import { resolvePluginPackage } from './resolve-plugin-package.js';
import type { ToolSchemaSnapshot } from './tool-schema-changes.js';
import { verifyPluginPackage } from './verify-plugin-package.js';
import { isSlowStart, NO_START_RETRY, startRetryDelay, waitUnlessAborted, type StartRetryPolicy } from './start-retry.js';
import { breakerGaugeValue, createToolMetrics, type BreakerState, type ToolMetrics } from './tool-metrics.js';
import { exposedToolName, ToolRegistry, type ModelToolSpec, type RegisteredTool, type RegisteredToolInfo } from './tool-registry.js';
import { createPluginRuntimeFactory } from './worker/index.js';
import { withTraceHeaders } from '../observability/with-trace-context-fetch.js';

/** Options for {@link loadPluginHost}. */
export interface LoadPluginHostOptions {
  readonly config: PluginsConfig;
  /** Directory relative sources resolve against (normally the config file's directory). */
  readonly configDir: string;
  /** Writable directory for extracted tarballs. */
  readonly dataDir: string;
  /** The host's version (core/package.json), checked against each plugin's acai.hostRange. */
  readonly hostVersion: string;
  readonly keyValueStore: KeyValueStore;
  readonly logger: Logger;
  readonly metricsRegistry: Registry;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  /**
   * Builds plugin runtimes. The default runs `inline` entries in the event loop and `worker` entries in
   * workers with default limits; the host passes one with its own (createHostRuntimeFactory).
   */
  readonly runtimeFactory?: PluginRuntimeFactory;
  /** MCP-server plugins: runtime settings and where their lifecycle events go. */
  readonly mcp?: McpHostOptions;
  /**
   * The tool schemas the host served last (the schema ledger). With it, a newer release that breaks
   * them without a major bump is refused, and a refused or failing installed release falls back to the
   * one served before. Without it (the CLI's checks) neither applies.
   */
  readonly releaseBaseline?: ToolSchemaSnapshot;
  /**
   * More attempts for a plugin whose import, setup or MCP initialize ran out of time. A required plugin is
   * retried before the load returns; any other is `starting` and retried while the set serves. Default: none.
   */
  readonly startRetry?: StartRetryPolicy;
  /** The OS sandbox of third-party plugins and stdio MCP servers (default: bubblewrap at its usual places). */
  readonly sandbox?: SandboxSettings;
  /**
   * Paths no sandbox may show (default: the host's, {@link protectedHostPaths}). The CLI's inspections pass their
   * own: they load a plugin in place, from the author's working directory, with a throwaway data directory.
   */
  readonly protectedPaths?: readonly ProtectedPath[];
}

/** Host-wide options of MCP-server plugins. */
export interface McpHostOptions {
  readonly restartBackoff?: McpRuntimeSettings['restartBackoff'];
  readonly maxMessageBytes?: number;
  /** CPU niceness of stdio servers (default 10, like worker plugins; the host passes PLUGIN_WORKER_NICE). */
  readonly niceness?: number;
  /** Every server's lifecycle events (exits, restarts, tools/list_changed, protocol errors), with the plugin's name. */
  readonly onEvent?: (plugin: string, event: McpServerEvent) => void;
}

/** A tool disabled at load, and why. */
export interface QuarantinedToolReport {
  readonly tool: string;
  readonly reason: string;
}

/** One plugin's state, for health and admin surfaces. */
export interface PluginStatus {
  readonly name: string;
  readonly version: string | undefined;
  /** The plugin's peer range on @acai/plugin-sdk (undefined until its manifest was read). */
  readonly sdkRange: string | undefined;
  readonly source: string;
  readonly mode: PluginMode;
  /** `npm` for plugin packages, `mcp` for MCP servers. */
  readonly kind: 'npm' | 'mcp';
  /** MCP servers: how the host reaches it. */
  readonly transport?: McpTransportKind;
  /** MCP servers: the name it gave in initialize (once connected). */
  readonly serverName?: string;
  readonly required: boolean;
  /** `starting`: an attempt at starting it timed out and another one is due (see startAttempts). */
  readonly state: PluginLoadState;
  /** The last load or start failure; while `starting`, the attempt that timed out. */
  readonly error?: { readonly code: HostErrorCode; readonly message: string };
  /** Attempts made at starting it (import and setup, or the MCP initialize) and how many are allowed. */
  readonly startAttempts: { readonly made: number; readonly max: number };
  /** Exposed names of its registered tools. */
  readonly tools: readonly string[];
  readonly quarantinedTools: readonly QuarantinedToolReport[];
  readonly breakerState: BreakerState;
  readonly calls: number;
  readonly errors: number;
  readonly lastError: PluginLastError | undefined;
  /** Worker and MCP plugins: true while the worker or server is being restarted after a crash. */
  readonly isRestarting?: boolean;
  /** The release installed by `acai plugin add` that is serving (version and integrity). */
  readonly installed?: InstalledRelease;
  /** Fingerprint of the trusted key that signed the package (signature policy warn/required). */
  readonly signer?: string;
  /** The configured release that was refused or failed while the last good one (`version`) keeps serving. */
  readonly refusedRelease?: { readonly version: string | undefined; readonly code: HostErrorCode; readonly message: string };
  /** What the plugin asks for and what its entry grants (once its manifest, or its MCP entry, was read). */
  readonly permissions?: { readonly requested: PermissionSet; readonly granted: PermissionSet };
  /** The OS sandbox it runs in, or why none (once that was decided). */
  readonly sandbox?: PluginSandboxStatus;
}

/** Where a configured plugin is: serving, switched off, given up on, or between attempts at starting it. */
export type PluginLoadState = 'loaded' | 'failed' | 'disabled' | 'starting';

/** What happened at load, per plugin. */
export interface LoadReport {
  /** True when every enabled plugin loaded. */
  readonly ok: boolean;
  readonly plugins: readonly {
    readonly name: string;
    readonly state: PluginLoadState;
    readonly version: string | undefined;
    readonly error?: { readonly code: HostErrorCode; readonly message: string };
    readonly quarantinedTools: readonly QuarantinedToolReport[];
    readonly warnings: readonly string[];
  }[];
}

/**
 * The loaded plugins and the one call path into them. It is the tool callers' {@link ToolExecutor} as it
 * is; it also answers callers outside a request (the CLI, tests), who may pass arguments as an object
 * and leave any call option out.
 */
export interface PluginHost extends ToolExecutor {
  /** The tools to offer the model now (excludes breaker-open plugins and quarantined tools); precomputed. */
  listModelTools(): readonly ModelToolSpec[];
  listTools(): readonly RegisteredToolInfo[];
  /** Which plugin serves a tool now: a lookup in the tool registry. */
  describeTool(exposedName: string): ToolProvenance | undefined;
  /** Runs one tool call through validation, policy, cap and scrubbing. Never throws. */
  callTool(exposedName: string, rawArguments: unknown, options?: Partial<ToolCallOptions>): Promise<ToolCallResult>;
  listPlugins(): readonly PluginStatus[];
  loadReport(): LoadReport;
  /** Closes a plugin's breaker; false when no such loaded plugin. */
  resetBreaker(pluginName: string): boolean;
  /** A loaded plugin's breaker state (a map lookup, for per-call telemetry); undefined when it is not loaded. */
  breakerState(pluginName: string): PluginStatus['breakerState'] | undefined;
  dispose(): Promise<void>;
}

interface PluginRecord {
  readonly entry: PluginEntryConfig;
  /** Attempts made at starting it; 1 once the first load ran. */
  startAttempts: number;
  /** Where its code runs, once decided (a third-party package's entry runs in a sandboxed worker whatever mode the config guessed). */
  mode?: IsolationMode;
  permissions?: PluginStatus['permissions'];
  sandbox?: PluginSandboxStatus;
  state: PluginLoadState;
  version: string | undefined;
  sdkRange: string | undefined;
  source: string;
  serverName?: string;
  error?: { code: HostErrorCode; message: string };
  quarantinedTools: QuarantinedToolReport[];
  warnings: string[];
  loaded?: LoadedPlugin;
  tools: RegisteredTool[];
  signer?: string;
  refusedRelease?: PluginStatus['refusedRelease'];
}

/** A plugin that passed the checks and waits for its setup. */
interface CheckedPlugin {
  readonly record: PluginRecord;
  readonly runtime: PluginRuntime;
  readonly prepared: PreparedPlugin;
  readonly loaded: LoadedPlugin;
}

const CHECK_CODES: Record<PluginCheckCode, HostErrorCode> = {
  PLUGIN_MANIFEST_INVALID: 'HOST_PLUGIN_MANIFEST_INVALID',
  PLUGIN_VERSION_MISMATCH: 'HOST_PLUGIN_VERSION_MISMATCH',
  PLUGIN_SDK_MISMATCH: 'HOST_PLUGIN_SDK_MISMATCH',
  PLUGIN_HOST_MISMATCH: 'HOST_PLUGIN_HOST_MISMATCH',
  PLUGIN_CONFIG_INVALID: 'HOST_PLUGIN_CONFIG_INVALID',
  PLUGIN_SECRET_MISSING: 'HOST_PLUGIN_SECRET_MISSING',
  PLUGIN_SCHEMA_INVALID: 'HOST_PLUGIN_SCHEMA_INVALID',
  DUPLICATE_TOOL: 'HOST_DUPLICATE_TOOL',
};

/**
 * Loads every enabled plugin through the named checks (resolve → manifest → version ranges →
 * import → config → secrets → tool schemas + lint → allow/deny → exposed-name collisions → setup).
 * A failing plugin is reported and the rest load; a failing `required` plugin fails the whole load
 * with HOST_PLUGIN_REQUIRED_FAILED.
 */
export async function loadPluginHost(options: LoadPluginHostOptions): Promise<PluginHost> {
  const label = basename(options.config.path);
  const metrics = createToolMetrics(options.metricsRegistry);
  const registry = new ToolRegistry();
  const clock = options.clock ?? createSystemClock();
  const runtimeFactory = options.runtimeFactory ?? createPluginRuntimeFactory();
  const checked: CheckedPlugin[] = [];
  const records: PluginRecord[] = options.config.plugins.map(newRecord);

  // Packages are checked one after another, as always; MCP servers start and initialize next to them, so
  // ten servers cost about one server's start-up rather than ten. Results are taken in config order.
  const startRetry = options.startRetry ?? NO_START_RETRY;
  const sandboxContext: SandboxContext = {
    settings: options.sandbox ?? {},
    protectedPaths: options.protectedPaths ?? protectedHostPaths(options.dataDir, options.config.path),
  };
  const environment: CheckEnvironment = { ...options, clock, metrics, registry, runtimeFactory, startRetry, sandboxContext };
  let packageChecks: Promise<unknown> = Promise.resolve();
  const outcomes = records.map((record) => {
    if (!record.entry.enabled) return undefined;
    const check = () => checkPlugin(record, `${label} › ${record.entry.name}`, environment);
    const outcome = record.entry.source.kind === 'mcp' ? check() : packageChecks.then(check);
    if (record.entry.source.kind !== 'mcp') packageChecks = outcome.catch(() => {});
    return outcome.then(
      (plugin) => ({ plugin }),
      (error: unknown) => ({ error }),
    );
  });
  for (const [index, record] of records.entries()) {
    const outcome = await outcomes[index];
    if (outcome === undefined) continue;
    if ('error' in outcome) {
      fail(record, outcome.error, environment);
      continue;
    }
    try {
      // Check "no exposed-name collisions", in config order and before any setup runs.
      registry.claim(record.tools, `${label} › ${record.entry.name}`);
      checked.push(outcome.plugin);
    } catch (error) {
      fail(record, error, environment);
      outcome.plugin.loaded.callPolicy.dispose();
      await outcome.plugin.runtime.dispose().catch(() => {});
    }
  }

  // Setups run concurrently (each has its own deadline); registration then follows config order.
  const setupErrors = await Promise.all(
    checked.map((plugin) => runSetup(plugin, `${label} › ${plugin.record.entry.name}`).then(() => undefined, (error: unknown) => error)),
  );
  for (const [index, plugin] of checked.entries()) {
    try {
      if (setupErrors[index] !== undefined) throw setupErrors[index];
      register(plugin, `${label} › ${plugin.record.entry.name}`, environment);
    } catch (error) {
      await abandon(plugin, error, environment);
    }
  }

  // An optional installed plugin whose configured release was refused or failed: the release served before keeps serving.
  for (const [index, record] of records.entries()) {
    const fallback = await loadLastGoodRelease(record, `${label} › ${record.entry.name}`, environment);
    if (fallback === undefined) continue;
    records[index] = fallback.record;
    register(fallback, `${label} › ${record.entry.name}`, environment);
  }

  // A plugin whose start ran out of time gets more attempts: a required one now (the host cannot start
  // without it), any other while the set serves.
  const lifetime = new AbortController();
  const retry = (record: PluginRecord): Promise<void> => retryStart(record, `${label} › ${record.entry.name}`, environment, lifetime.signal);
  await Promise.all(records.filter((record) => record.state === 'starting' && record.entry.required).map(retry));
  const host = createHost(records, registry, options.logger, { maxAttempts: startRetry.maxAttempts, lifetime, retries: records.filter((record) => record.state === 'starting').map(retry) });
  const requiredFailures = records.filter((record) => record.entry.required && record.state === 'failed');
  if (requiredFailures.length > 0) {
    await host.dispose();
    throw new HostError(
      'HOST_PLUGIN_REQUIRED_FAILED',
      `Required plugin${requiredFailures.length > 1 ? 's' : ''} failed to load:\n  - ${requiredFailures.map((record) => `${record.error?.code}: ${record.error?.message}`).join('\n  - ')}\n` +
        'Fix the problem, or set "required": false in plugins.config.json to start without it.',
      { meta: { plugins: requiredFailures.map((record) => record.entry.name).join(',') } },
    );
  }
  return host;
}

interface CheckEnvironment extends LoadPluginHostOptions {
  readonly sandboxContext: SandboxContext;
  readonly clock: Clock;
  readonly metrics: ToolMetrics;
  readonly registry: ToolRegistry;
  readonly runtimeFactory: PluginRuntimeFactory;
  readonly startRetry: StartRetryPolicy;
}

/** Check "setup within deadline" passed: the plugin's tools join the registry and it serves. */
function register(plugin: CheckedPlugin, source: string, environment: CheckEnvironment): void {
  environment.registry.addAll(plugin.record.tools, source);
  plugin.record.state = 'loaded';
  plugin.record.loaded = plugin.loaded;
  plugin.loaded.metrics.breakerState.set(0);
  environment.metrics.startAttempts.inc({ plugin: plugin.record.entry.name, outcome: 'started' });
  environment.logger.info(
    { plugin: plugin.loaded.name, version: plugin.loaded.version, mode: plugin.loaded.mode, tools: plugin.record.tools.map((tool) => tool.exposedName), startAttempts: plugin.record.startAttempts },
    'plugin loaded',
  );
}

/** A checked plugin whose setup failed: its names are free again, its runtime stops, and the failure is recorded. */
async function abandon(plugin: CheckedPlugin, error: unknown, environment: CheckEnvironment): Promise<void> {
  environment.registry.release(plugin.record.tools);
  fail(plugin.record, error, environment);
  plugin.loaded.callPolicy.dispose();
  await plugin.runtime.dispose().catch(() => {});
}

/**
 * Attempts at starting a plugin whose last attempt ran out of time, with backoff, until one succeeds, one
 * fails for another reason, the attempts are used up (the plugin is then `failed` with the last error) or
 * the plugin set is disposed. Each attempt runs every check again, claims the tool names anew (a plugin
 * that loaded meanwhile keeps names it took) and registers the tools into the serving set.
 */
async function retryStart(record: PluginRecord, source: string, environment: CheckEnvironment, signal: AbortSignal): Promise<void> {
  while (record.state === 'starting') {
    if (!(await waitUnlessAborted(startRetryDelay(record.startAttempts, environment.startRetry.backoff), signal))) return;
    record.startAttempts += 1;
    environment.logger.info({ plugin: record.entry.name, attempt: record.startAttempts, maxAttempts: environment.startRetry.maxAttempts }, 'starting the plugin again');
    let plugin: CheckedPlugin;
    try {
      plugin = await checkPlugin(record, source, environment);
    } catch (error) {
      if (!signal.aborted) fail(record, error, environment);
      continue;
    }
    try {
      if (signal.aborted) throw new HostError('HOST_PLUGIN_SETUP_FAILED', `${source}: the plugin set was replaced while the plugin started`);
      environment.registry.claim(record.tools, source);
      await runSetup(plugin, source);
      // Disposed while it set up: what it started stops with it.
      if (signal.aborted) throw new HostError('HOST_PLUGIN_SETUP_FAILED', `${source}: the plugin set was replaced while the plugin started`);
      register(plugin, source, environment);
    } catch (error) {
      await abandon(plugin, error, environment);
    }
  }
}

/** The named checks up to (not including) setup. Throws HostError. */
async function checkPlugin(record: PluginRecord, source: string, environment: CheckEnvironment): Promise<CheckedPlugin> {
  return record.entry.source.kind === 'mcp' ? checkMcpPlugin(record, source, environment) : checkPackagePlugin(record, source, environment);
}

/** The checks of a plugin package: resolve → manifest → version ranges → variables → import → config, secrets and tool schemas. */
async function checkPackagePlugin(record: PluginRecord, source: string, environment: CheckEnvironment): Promise<CheckedPlugin> {
  const entry = record.entry;
  const resolved = await resolvePluginPackage(entry, environment.configDir, environment.dataDir, source, environment.config.installDir);
  const trust = await verifyPluginPackage(entry, resolved, environment.config.signatures, source);
  record.warnings.push(...trust.warnings);
  if (trust.signer !== undefined) record.signer = trust.signer;
  let rawPackageJson: unknown;
  try {
    rawPackageJson = await readPackageJson(resolved.packageJsonPath);
  } catch (error) {
    throw PluginCheckError.isInstance(error) ? toHostError(error) : error;
  }
  const packageJson = translate(() => checkManifest(rawPackageJson, `${source} (${resolved.description})`));
  record.version = packageJson.version;
  record.sdkRange = packageJson.peerDependencies?.[SDK_PACKAGE_NAME];
  const named = `${source} (${packageJson.name}@${packageJson.version})`;
  translate(() => checkVersionRange(packageJson, entry.version, named));
  translate(() => checkSdkCompatibility(packageJson, named));
  translate(() => checkHostCompatibility(packageJson, environment.hostVersion, named));
  await checkDependenciesInstalled(resolved.packageDir, rawPackageJson, entry.source, named);
  checkUnresolvedVariables(entry, packageJson, record);

  // Check "request within grant", and where the code runs: anything not first-party in a sandbox.
  const isFirstParty = await isFirstPartyPackage(resolved.packageDir, packageJson.name);
  const request = manifestRequest(packageJson.acai);
  const grant = grantOf(entry, request, isFirstParty);
  record.permissions = { requested: request, granted: grant };
  const placement = placePackage(entry, isFirstParty, named);
  record.mode = placement.mode;
  if (placement.exemption !== undefined) record.sandbox = { kind: 'none', exemption: placement.exemption };
  checkPermissionGrant(request, grant, named);

  const entryPath = resolve(resolved.packageDir, packageJson.acai.entry);
  try {
    await access(entryPath);
  } catch (error) {
    throw new HostError('HOST_PLUGIN_IMPORT_FAILED', `${named}: entry ${packageJson.acai.entry} does not exist at ${entryPath}. Build the plugin (npx tsc -b) or fix acai.entry.`, { cause: error });
  }
  const name = entry.name;
  const logger = environment.logger.child({ plugin: name });
  if (placement.exemption === 'opted-out') warnSandboxOptOut(logger, named);
  const allowedHosts = grant.network;
  const pluginEnvironment = grantedVariables(entry, grant);
  const sandboxed =
    placement.exemption === undefined
      ? await openPackageSandbox(environment.sandboxContext, { name, packageDir: resolved.packageDir, grant, environment: pluginEnvironment, logger }, named)
      : undefined;
  if (sandboxed !== undefined) record.sandbox = { kind: 'bubblewrap', description: sandboxed.sandbox.description };
  const defaultTimeoutMs = entry.policy.timeoutMs;
  const services: PluginRuntimeServices = {
    plugin: { name, version: packageJson.version },
    logger,
    cache: createPluginCache(environment.keyValueStore, name, (error, operation) =>
      logger.warn({ err: error, operation }, 'plugin cache unavailable; continuing without it'),
    ),
    clock: environment.clock,
    createHttpClient: (signal, traceparent) =>
      createToolHttpClient({ allowedHosts, signal, defaultTimeoutMs, fetch: withTraceHeaders(environment.fetch ?? globalThis.fetch, () => ({ traceparent })) }),
  };
  const runtime = environment.runtimeFactory(placement.mode, {
    entryUrl: pathToFileURL(entryPath).href,
    packageDir: resolved.packageDir,
    services,
    timeouts: { callMs: entry.policy.timeoutMs, setupMs: entry.policy.setupTimeoutMs },
    environment: pluginEnvironment,
    ...(sandboxed === undefined ? {} : { sandbox: sandboxed }),
  });
  let info;
  try {
    info = await runtime.load();
  } catch (error) {
    await runtime.dispose().catch(() => {});
    if (PluginCheckError.isInstance(error)) throw toHostError(error);
    if (HostError.isInstance(error) && error.code === 'HOST_PLUGIN_IMPORT_TIMEOUT') {
      throw new HostError(error.code, `${named}: ${error.message}. Make importing it faster or raise policy.setupTimeoutMs in plugins.config.json.`, { cause: error });
    }
    throw new HostError('HOST_PLUGIN_IMPORT_FAILED', `${named}: importing ${packageJson.acai.entry} failed: ${describeError(error)}. Fix the plugin or pin a working version.`, { cause: error });
  }
  try {
    if (info.name !== name) {
      throw new HostError(
        'HOST_PLUGIN_CONFIG_INVALID',
        `${named}: the package's plugin is named "${info.name}" but the entry is named "${name}". Rename the entry to "${info.name}" in plugins.config.json.`,
      );
    }
    const prepared = translate(() => preparePlugin(info, packageJson, entry.config, named));
    const isExposed = createToolFilter(entry.tools);
    checkReleaseCompatibility({
      plugin: name,
      version: packageJson.version,
      tools: new Map(prepared.tools.map((tool) => [exposedToolName(name, tool.name), { parameters: tool.parameters, isExposed: isExposed(tool.name) }])),
      baseline: environment.releaseBaseline,
      acceptBreakingRelease: entry.acceptBreakingRelease,
      named,
    });
    return registerChecked(record, { runtime, prepared, version: packageJson.version, declaredTools: info.tools.map((tool) => tool.name), named, logger }, environment);
  } catch (error) {
    await runtime.dispose().catch(() => {});
    throw error;
  }
}

/** The checks of an MCP server (see checkMcpServer), then the same registration as a package's tools. */
async function checkMcpPlugin(record: PluginRecord, source: string, environment: CheckEnvironment): Promise<CheckedPlugin> {
  const entry = record.entry;
  if (entry.source.kind !== 'mcp') throw new HostError('HOST_INTERNAL', `${source} is not an MCP entry`);
  const logger = environment.logger.child({ plugin: entry.name });
  const mcp = environment.mcp;
  const onEvent = mcp?.onEvent;
  // Check "request within grant", then the sandbox: every stdio server runs in one unless its entry opts out.
  const request = toPermissionSet(entry.source.request);
  const grant = toPermissionSet(entry.permissions);
  record.permissions = { requested: request, granted: grant };
  const server = entry.source.server;
  const isOptedOut = server.transport === 'stdio' && entry.sandbox === 'none';
  if (server.transport !== 'stdio' || isOptedOut) record.sandbox = { kind: 'none', exemption: isOptedOut ? 'opted-out' : 'remote' };
  checkPermissionGrant(request, grant, source);
  if (isOptedOut) warnSandboxOptOut(logger, source);
  const sandboxed =
    server.transport === 'stdio' && !isOptedOut
      ? await openMcpServerSandbox(environment.sandboxContext, server, { name: entry.name, grant, environment: grantedVariables(entry, grant), logger }, source)
      : undefined;
  if (sandboxed !== undefined) record.sandbox = { kind: 'bubblewrap', description: sandboxed.sandbox.description };
  const checking = checkMcpServer({
    entry,
    server: entry.source.server,
    secretValues: entry.source.secretValues,
    source,
    address: record.source,
    logger,
    settings: {
      restartBackoff: mcp?.restartBackoff ?? DEFAULT_MCP_SETTINGS.restartBackoff,
      maxMessageBytes: mcp?.maxMessageBytes ?? DEFAULT_MCP_SETTINGS.maxMessageBytes,
      niceness: mcp?.niceness ?? DEFAULT_MCP_SETTINGS.niceness,
      clientInfo: { name: 'acai', version: environment.hostVersion },
    },
    ...(environment.fetch === undefined ? {} : { fetch: environment.fetch }),
    ...(onEvent === undefined ? {} : { onEvent: (event: McpServerEvent) => onEvent(entry.name, event) }),
    ...(sandboxed === undefined ? {} : { sandbox: sandboxed }),
  });
  // A check that failed before the runtime took the sandbox over must not leave its proxy running.
  const checked = await checking.catch(async (error: unknown) => {
    await sandboxed?.sandbox.dispose();
    throw error;
  });
  record.version = checked.version;
  record.serverName = checked.serverName;
  record.warnings.push(...checked.warnings);
  try {
    const named = `${source} (${checked.serverName}@${checked.version})`;
    return registerChecked(
      record,
      { runtime: checked.runtime, prepared: checked.prepared, version: checked.version, declaredTools: checked.declaredTools, named, logger, exposedSegments: checked.exposedSegments },
      environment,
    );
  } catch (error) {
    await checked.runtime.dispose().catch(() => {});
    throw error;
  }
}

/** What the shared end of the checks needs from either kind of plugin. */
interface CheckedSource {
  readonly runtime: PluginRuntime;
  readonly prepared: PreparedPlugin;
  readonly version: string;
  /** Every tool the plugin declares, for the allow/deny warnings. */
  readonly declaredTools: readonly string[];
  readonly named: string;
  readonly logger: Logger;
  /** Tool name → exposed segment when it differs from the name (MCP tool names may hold characters OpenAI refuses). */
  readonly exposedSegments?: ReadonlyMap<string, string>;
}

/** The end of the checks, the same for packages and MCP servers: quarantine report, allow/deny, call policy, registered tools. */
function registerChecked(record: PluginRecord, checkedSource: CheckedSource, environment: CheckEnvironment): CheckedPlugin {
  const { runtime, prepared, named, logger } = checkedSource;
  const entry = record.entry;
  const name = entry.name;
  record.quarantinedTools = prepared.quarantined.map((tool) => ({ tool: tool.name, reason: tool.reason }));
  for (const tool of prepared.quarantined) environment.logger.warn({ plugin: name, tool: tool.name, problems: tool.problems }, tool.reason);

  const declared = new Set(checkedSource.declaredTools);
  for (const listed of [...(entry.tools.allow ?? []), ...entry.tools.deny]) {
    if (!declared.has(listed)) record.warnings.push(`${named}: tools.allow/deny names "${listed}", which the plugin does not have (tools: ${[...declared].join(', ')})`);
  }
  const isExposed = createToolFilter(entry.tools);
  const exposed = prepared.tools.filter((tool) => isExposed(tool.name));

  const loaded: LoadedPlugin = new LoadedPlugin({
    name,
    version: checkedSource.version,
    mode: record.mode ?? entry.mode,
    entry,
    runtime,
    callPolicy: new PluginCallPolicy(entry.policy, (state) => {
      loaded.metrics.breakerState.set(breakerGaugeValue(state));
      environment.registry.invalidate();
      logger.warn({ breakerState: state }, `circuit breaker ${state}`);
    }),
    scrub: createSecretScrubber(prepared.secretValues),
    hasSecrets: prepared.secretValues.length > 0,
    logger,
    metrics: {
      calls: environment.metrics.calls,
      bulkheadRejections: environment.metrics.bulkheadRejections.labels(name),
      breakerState: environment.metrics.breakerState.labels(name),
    },
  });
  record.tools = exposed.map((tool) => {
    const exposedName = exposedToolName(name, checkedSource.exposedSegments?.get(tool.name) ?? tool.name);
    return {
      exposedName,
      plugin: loaded,
      prepared: tool,
      provenance: Object.freeze({ plugin: name, pluginVersion: checkedSource.version, tool: tool.name }),
      spec: Object.freeze({
        type: 'function' as const,
        function: Object.freeze({ name: exposedName, description: tool.description, parameters: tool.parameters, strict: true as const }),
        looseParameters: tool.looseParameters,
      }),
      metrics: {
        duration: environment.metrics.duration.labels(name, tool.name),
        validationFailures: environment.metrics.validationFailures.labels(name, tool.name),
        outcomes: new Map([['ok', environment.metrics.calls.labels(name, tool.name, 'ok')]]),
      },
    };
  });
  for (const warning of record.warnings) environment.logger.warn({ plugin: name }, warning);
  return { record, runtime, prepared, loaded };
}

function newRecord(entry: PluginEntryConfig): PluginRecord {
  return {
    entry,
    state: entry.enabled ? 'failed' : 'disabled',
    startAttempts: entry.enabled ? 1 : 0,
    version: undefined,
    sdkRange: undefined,
    source: describeSource(entry),
    quarantinedTools: [],
    warnings: [],
    tools: [],
  };
}

/**
 * For an optional plugin installed by `acai plugin add` whose configured release failed (any check,
 * the breaking-change guard included, or setup): the release the host served before, loaded anew
 * through every check from its own release folder. The record it returns replaces the failed one and
 * names the refused release; undefined when there is nothing to fall back to or that fails too.
 */
async function loadLastGoodRelease(record: PluginRecord, source: string, environment: CheckEnvironment): Promise<CheckedPlugin | undefined> {
  const { entry, error } = record;
  if (record.state !== 'failed' || entry.required || entry.installed === undefined || error === undefined) return undefined;
  const release = lastGoodRelease(environment.releaseBaseline, entry.name, entry.installed);
  if (release === undefined) return undefined;
  const fallback = newRecord({ ...entry, installed: release, acceptBreakingRelease: undefined });
  fallback.refusedRelease = { version: record.version ?? entry.installed.version, code: error.code, message: error.message };
  let plugin: CheckedPlugin | undefined;
  try {
    plugin = await checkPlugin(fallback, source, environment);
    // The failed release may have claimed the same tool names before its setup failed.
    environment.registry.releaseUnregistered(entry.name);
    environment.registry.claim(plugin.record.tools, source);
    await runSetup(plugin, source);
  } catch (fallbackError) {
    environment.logger.warn({ plugin: entry.name, version: release.version, err: fallbackError }, 'the last good release could not be loaded either');
    if (plugin !== undefined) {
      plugin.loaded.callPolicy.dispose();
      await plugin.runtime.dispose().catch(() => {});
    }
    return undefined;
  }
  environment.logger.warn(
    { plugin: entry.name, version: release.version, refusedVersion: fallback.refusedRelease.version, code: error.code },
    `release ${fallback.refusedRelease.version} was not loaded (${error.code}); the last good release ${release.version} keeps serving`,
  );
  return plugin;
}

/** Check "setup within deadline". */
async function runSetup(plugin: CheckedPlugin, source: string): Promise<void> {
  const timeoutMs = plugin.record.entry.policy.setupTimeoutMs;
  const controller = new AbortController();
  const missedDeadline = new HostError(
    'HOST_PLUGIN_SETUP_TIMEOUT',
    `${source}: setup did not finish within ${timeoutMs} ms. Make setup faster or raise policy.setupTimeoutMs in plugins.config.json.`,
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('setup deadline exceeded'));
      reject(missedDeadline);
    }, timeoutMs);
  });
  try {
    await Promise.race([plugin.runtime.setup(plugin.prepared.config, controller.signal), deadline]);
  } catch (error) {
    if (error === missedDeadline) throw error;
    // A runtime's own HostError (a worker's HOST_PLUGIN_SETUP_FAILED) quotes the plugin's error too, so
    // it is scrubbed like any other: the message reaches the load report, the admin API and the logs.
    if (HostError.isInstance(error)) throw new HostError(error.code, `${source}: ${plugin.loaded.scrub(error.message)}`, { cause: error });
    throw new HostError('HOST_PLUGIN_SETUP_FAILED', `${source}: setup failed: ${plugin.loaded.scrub(describeError(error))}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/** The granted host variables that are set (the config resolved the grant's names; the grant may narrow them). */
function grantedVariables(entry: PluginEntryConfig, grant: PermissionSet): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const name of grant.env) {
    const value = entry.grantedEnvironment[name];
    if (value !== undefined) variables[name] = value;
  }
  return variables;
}

/** Unset ${ENV} references: fatal for required secrets and non-secret keys; optional secrets just stay unset. */
function checkUnresolvedVariables(entry: PluginEntryConfig, packageJson: PluginPackageJson, record: PluginRecord): void {
  const secrets = new Map((packageJson.acai.secrets ?? []).map((secret) => [secret.key, secret]));
  const fatal = entry.unresolvedVariables.filter((variable) => {
    const topKey = variable.pointer.split('/')[1] ?? '';
    const secret = secrets.get(topKey);
    if (secret !== undefined && secret.required !== true) {
      record.warnings.push(`${variable.message} (optional secret left unset)`);
      return false;
    }
    return true;
  });
  if (fatal.length === 0) return;
  const isSecret = fatal.some((variable) => secrets.has(variable.pointer.split('/')[1] ?? ''));
  throw new HostError(
    isSecret ? 'HOST_PLUGIN_SECRET_MISSING' : 'HOST_PLUGIN_CONFIG_INVALID',
    `${fatal.map((variable) => variable.message).join('; ')}. Set ${fatal.length > 1 ? 'them' : 'it'} in the host's environment.`,
  );
}

/** Plugins still being started in the background, and what stops them. */
interface BackgroundStarts {
  readonly maxAttempts: number;
  readonly lifetime: AbortController;
  readonly retries: readonly Promise<void>[];
}

function createHost(records: PluginRecord[], registry: ToolRegistry, logger: Logger, starts: BackgroundStarts): PluginHost {
  const names = (): readonly string[] => registry.names();
  // Read per call (a plugin started in the background joins later); a scan of a handful of records.
  const loadedPlugin = (name: string): LoadedPlugin | undefined => records.find((record) => record.entry.name === name)?.loaded;
  let isDisposed = false;
  return {
    listModelTools: () => registry.modelToolList(),
    listTools: () => registry.list(),
    describeTool: (exposedName) => registry.describe(exposedName),
    callTool: (exposedName, rawArguments, callOptions) => executeToolCall(registry.get(exposedName), exposedName, rawArguments, callOptions, names),
    listPlugins: () =>
      records.map((record) => {
        const status: PluginStatus = {
          name: record.entry.name,
          version: record.version,
          sdkRange: record.sdkRange,
          source: record.source,
          mode: record.mode ?? record.entry.mode,
          kind: record.entry.source.kind === 'mcp' ? 'mcp' : 'npm',
          ...(record.entry.source.kind === 'mcp' ? { transport: record.entry.source.server.transport } : {}),
          ...(record.serverName === undefined ? {} : { serverName: record.serverName }),
          required: record.entry.required,
          state: record.state,
          startAttempts: { made: record.startAttempts, max: record.entry.enabled ? Math.max(record.startAttempts, starts.maxAttempts) : 0 },
          tools: record.state === 'loaded' ? record.tools.map((tool) => tool.exposedName) : [],
          quarantinedTools: record.quarantinedTools,
          breakerState: record.loaded?.callPolicy.breakerState ?? 'closed',
          calls: record.loaded?.calls ?? 0,
          errors: record.loaded?.errors ?? 0,
          lastError: record.loaded?.lastError,
          ...(record.loaded?.runtime.isRestarting === undefined ? {} : { isRestarting: record.loaded.runtime.isRestarting }),
          ...(record.entry.installed === undefined ? {} : { installed: record.entry.installed }),
          ...(record.signer === undefined ? {} : { signer: record.signer }),
          ...(record.refusedRelease === undefined ? {} : { refusedRelease: record.refusedRelease }),
          ...(record.permissions === undefined ? {} : { permissions: record.permissions }),
          ...(record.sandbox === undefined ? {} : { sandbox: record.sandbox }),
        };
        return record.error === undefined ? status : { ...status, error: record.error };
      }),
    loadReport: () => ({
      ok: records.every((record) => record.state !== 'failed' && record.state !== 'starting'),
      plugins: records.map((record) => {
        const report = { name: record.entry.name, state: record.state, version: record.version, quarantinedTools: record.quarantinedTools, warnings: record.warnings };
        return record.error === undefined ? report : { ...report, error: record.error };
      }),
    }),
    resetBreaker(pluginName) {
      const loaded = loadedPlugin(pluginName);
      if (loaded === undefined) return false;
      loaded.callPolicy.reset();
      return true;
    },
    breakerState: (pluginName) => loadedPlugin(pluginName)?.callPolicy.breakerState,
    async dispose() {
      if (isDisposed) return;
      isDisposed = true;
      // An attempt under way ends within its own deadlines and then stops what it started.
      starts.lifetime.abort();
      await Promise.all(starts.retries);
      await Promise.all(
        records.map(async (record) => {
          if (record.loaded === undefined) return;
          record.loaded.callPolicy.dispose();
          try {
            await record.loaded.runtime.dispose();
          } catch (error) {
            logger.warn({ plugin: record.entry.name, err: error }, 'plugin dispose failed');
          }
        }),
      );
    },
  };
}

/** Records a failed attempt: the plugin is `starting` again when it only ran out of time and attempts are left, otherwise `failed`. */
function fail(record: PluginRecord, error: unknown, environment: Pick<CheckEnvironment, 'logger' | 'metrics' | 'startRetry'>): void {
  const { logger, startRetry } = environment;
  const hostError = HostError.isInstance(error)
    ? error
    : PluginCheckError.isInstance(error)
      ? toHostError(error)
      : new HostError('HOST_PLUGIN_SETUP_FAILED', `${record.entry.name}: ${describeError(error)}`, { cause: error });
  record.tools = [];
  const fields = { plugin: record.entry.name, code: hostError.code, required: record.entry.required, attempt: record.startAttempts, maxAttempts: startRetry.maxAttempts };
  environment.metrics.startAttempts.inc({ plugin: record.entry.name, outcome: isSlowStart(hostError) ? 'timed_out' : 'failed' });
  if (isSlowStart(hostError) && record.startAttempts < startRetry.maxAttempts) {
    record.state = 'starting';
    record.error = { code: hostError.code, message: `${hostError.message} (attempt ${record.startAttempts} of ${startRetry.maxAttempts}; trying again)` };
    logger.warn(fields, record.error.message);
    return;
  }
  record.state = 'failed';
  const attempts = record.startAttempts > 1 ? ` (gave up after ${record.startAttempts} attempts)` : '';
  record.error = { code: hostError.code, message: `${hostError.message}${attempts}` };
  logger.error(fields, record.error.message);
}

function toHostError(error: PluginCheckError): HostError {
  return new HostError(CHECK_CODES[error.code], error.message, { cause: error });
}

function translate<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (PluginCheckError.isInstance(error)) throw toHostError(error);
    throw error;
  }
}

function describeSource(entry: PluginEntryConfig): string {
  const source = entry.source;
  switch (source.kind) {
    case 'package':
      return `package ${source.package}`;
    case 'path':
      return `path ${source.path}`;
    case 'tarball':
      return `tarball ${source.tarball}`;
    case 'mcp':
      return describeMcpServer(source.server, source.secretValues);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
