import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SandboxSetting } from '../../config/isolation-modes.js';
import type { PluginEntryConfig, PluginsConfig } from '../../config/plugins-config.js';
import type { HostErrorCode } from '../../errors/index.js';
import type { PermissionSet, PluginHost } from '../../plugin-host/index.js';
import { checkOfCode, LOAD_CHECKS, MCP_LOAD_CHECKS, type LoadCheck } from './describe-load-failure.js';
import { entryFor, identifyPlugin, type PluginIdentity } from './identify-plugin.js';
import { InspectionWorkspace } from './inspection-workspace.js';
import { DEFAULT_INSTALL_DIR } from '../../config/supply-chain-config.js';
import { stageFromSource } from '../plugin-install/stage-from-source.js';
import type { SandboxedIdentifyOptions } from '../plugin-install/stage-release.js';
import { createObservedRuntimeFactory, type RuntimeObservations } from './observed-runtime-factory.js';
import type { PluginSourceSpec } from './parse-plugin-source.js';

/** The outcome of one named check. */
export interface CheckResult {
  readonly check: LoadCheck;
  readonly status: 'passed' | 'failed' | 'not run';
  readonly code?: HostErrorCode;
  readonly message?: string;
}

/** Everything `acai plugin validate` reports. */
export interface ValidationReport {
  readonly ok: boolean;
  readonly identity: PluginIdentity;
  readonly hostVersion: string;
  readonly checks: readonly CheckResult[];
  /** Exposed names of the tools the host would offer. */
  readonly tools: readonly string[];
  readonly quarantinedTools: readonly { readonly tool: string; readonly reason: string }[];
  readonly warnings: readonly string[];
  /** What the plugin asks for; the checks ran with exactly that granted. */
  readonly permissions: PermissionSet;
  /** The OS sandbox the host would run it in (`bubblewrap`), or why none (`first-party`, `remote`). */
  readonly sandbox: string | undefined;
}

/** Options for {@link validatePlugin}. */
export interface ValidatePluginOptions {
  readonly source: PluginSourceSpec;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** The entry's `config` block (as in plugins.config.json, `${VAR}` references allowed), or a function of what the package declares. */
  readonly pluginConfig?: Record<string, unknown> | ((identity: PluginIdentity) => Record<string, unknown> | undefined);
  /** The entry's `policy` (e.g. a shorter call timeout for conformance runs). */
  readonly policy?: Record<string, unknown>;
  /**
   * The entry's `sandbox`, as in plugins.config.json (`--sandbox`). Default: where the host would run it — a
   * third-party package in its sandbox, refused where none can be made; `none` runs it in this process.
   */
  readonly sandbox?: SandboxSetting;
}

/** A validated plugin still loaded, for callers that go on to call its tools (`acai plugin test`). */
export interface LoadedForInspection {
  readonly report: ValidationReport;
  readonly host: PluginHost;
  readonly workspace: InspectionWorkspace;
  readonly observations: RuntimeObservations;
  /** The entry as loaded (resolved policy and config). */
  readonly entry: PluginEntryConfig;
  /** Loads the same plugin again with another policy (same workspace, observed the same way). */
  reload(policy: Record<string, unknown>): Promise<PluginHost>;
}

/**
 * Runs every load-time check of the host on one plugin, without a running host: the plugin is put
 * in a one-entry plugins.config.json (parsed by the host's config loader) and loaded by the host's
 * loader, so the checks and their messages are exactly the host's. Quarantined tools fail the report
 * (the host would load the plugin without them). The caller disposes `workspace`.
 */
export async function loadPluginForInspection(options: ValidatePluginOptions): Promise<LoadedForInspection> {
  const workspace = await InspectionWorkspace.create(options.logger, options.env, options.cwd);
  try {
    // The label the host uses in its messages is the config file's name.
    const configPath = join(options.cwd, 'plugins.config.json');
    // Its name is read by importing it where the checks will run it (a third-party entry in a sandbox).
    const identify: SandboxedIdentifyOptions = {
      ...workspace.identifyOptions(),
      protectedPaths: workspace.protectedPaths,
      ...(options.sandbox === undefined ? {} : { entrySandbox: options.sandbox }),
    };
    // A tarball is installed with its dependencies first, as `acai plugin add` installs it for the host.
    const staged =
      options.source.kind === 'tarball'
        ? await stageFromSource({ kind: 'tarball', path: options.source.absolutePath }, { installDir: join(workspace.dataDir, DEFAULT_INSTALL_DIR), env: options.env, logger: options.logger, identify })
        : undefined;
    const identity = staged?.identity ?? (await identifyPlugin(options.source, { configPath, configDir: options.cwd, dataDir: workspace.dataDir, env: options.env, logger: options.logger, ...identify }));
    const pluginConfig = typeof options.pluginConfig === 'function' ? options.pluginConfig(identity) : options.pluginConfig;
    const makeConfig = (policy: Record<string, unknown> | undefined): PluginsConfig => {
      const entry = entryFor(identity.name, options.source, {
        configPath,
        env: options.env,
        ...(pluginConfig ? { config: pluginConfig } : {}),
        ...(policy ? { policy } : {}),
        ...(staged ? { installed: { version: staged.version, integrity: staged.integrity } } : {}),
        // Checked as if the operator granted what it asks for (the report shows the request).
        grant: identity.request,
        sandbox: options.sandbox,
      });
      return { path: configPath, dir: options.cwd, defaults: { policy: entry.policy }, plugins: [entry], ...(staged ? { installDir: staged.stagingDir } : {}) };
    };
    const config = makeConfig(options.policy);
    const { factory, observations } = createObservedRuntimeFactory((observer) => workspace.runtimeFactory(observer));
    const host = await workspace.load(config, factory);
    const report = buildReport(host, identity, workspace.hostVersion, observations);
    return {
      report,
      host,
      workspace,
      observations,
      entry: config.plugins[0]!,
      reload: (policy) => workspace.load(makeConfig({ ...options.policy, ...policy }), factory),
    };
  } catch (error) {
    await workspace.dispose();
    throw error;
  }
}

/** {@link loadPluginForInspection}, reporting only. */
export async function validatePlugin(options: ValidatePluginOptions): Promise<ValidationReport> {
  const loaded = await loadPluginForInspection(options);
  try {
    return loaded.report;
  } finally {
    await loaded.workspace.dispose();
  }
}

function buildReport(host: PluginHost, identity: PluginIdentity, hostVersion: string, observations: RuntimeObservations): ValidationReport {
  const plugin = host.loadReport().plugins[0]!;
  const status = host.listPlugins()[0]!;
  const quarantinedTools = plugin.quarantinedTools;
  const failure = plugin.error;
  const named: readonly LoadCheck[] = status.kind === 'mcp' ? MCP_LOAD_CHECKS : LOAD_CHECKS;
  const fallback: LoadCheck = status.kind === 'mcp' ? 'start' : 'setup';
  const failedCheck = failure ? (checkOfCode(failure.code, status.kind) ?? fallback) : quarantinedTools.length > 0 ? 'tool schemas' : undefined;
  const failedIndex = failedCheck === undefined ? named.length : named.indexOf(failedCheck);
  const isImported = observations.imported.has(identity.name);
  const checks = named.map((check, index): CheckResult => {
    if (index === failedIndex) {
      const message = failure?.message ?? quarantinedTools.map((tool) => tool.reason).join('; ');
      return { check, status: 'failed', ...(failure ? { code: failure.code } : { code: 'HOST_PLUGIN_SCHEMA_INVALID' as const }), message };
    }
    if (index > failedIndex) return { check, status: 'not run' };
    // Unset ${VAR} references are refused before the import, so "import" only counts when it happened.
    if (check === 'import' && !isImported) return { check, status: 'not run' };
    // A missing entry is found before the sandbox is made: "sandbox" only counts once the loader placed the plugin.
    if (check === 'sandbox' && status.sandbox === undefined) return { check, status: 'not run' };
    return { check, status: 'passed' };
  });
  return {
    ok: failedCheck === undefined,
    identity: { ...identity, version: plugin.version ?? identity.version },
    hostVersion,
    checks,
    tools: status.tools,
    quarantinedTools,
    warnings: plugin.warnings,
    permissions: status.permissions?.requested ?? identity.request,
    sandbox: status.sandbox === undefined ? undefined : status.sandbox.kind === 'none' ? status.sandbox.exemption : status.sandbox.kind,
  };
}
