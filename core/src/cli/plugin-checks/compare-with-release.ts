import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import semver from 'semver';
import type { RegisteredToolInfo } from '../../plugin-host/index.js';
import { diffToolSets, isMajorBump, requiredVersionFor, type Schema, type SchemaBreak } from '../../plugin-host/release-guard/tool-schema-compatibility.js';
import { CliError } from '../cli-error.js';
import { fetchRegistryRelease } from '../plugin-install/fetch-release.js';
import { loadPluginForInspection } from './validate-plugin.js';

type Env = Readonly<Record<string, string | undefined>>;

/** How a plugin's tools compare with a published release (`acai plugin validate --against`). */
export interface ReleaseComparison {
  /** What it was compared with: `acai-plugin-digits@1.0.0` or the tarball's path. */
  readonly against: string;
  readonly baselineVersion: string;
  readonly version: string;
  /** Changes that refuse arguments old callers send. */
  readonly breaks: readonly SchemaBreak[];
  /** Set when the changes need a bigger version than `version`. */
  readonly requiredVersion?: string;
  /** True when `version` is not newer than the baseline (publishing it would fail or go unnoticed). */
  readonly isNotNewer: boolean;
  readonly ok: boolean;
}

/**
 * The author-side breaking-change guard: loads the baseline release (a tarball, or `<name>@<range>`
 * from the registry, installed like a host would) through the host's checks and diffs its tool
 * schemas with `tools`. Breaking changes pass only with a major version bump (minor for 0.x).
 */
export async function compareWithRelease(
  current: { readonly version: string; readonly tools: readonly RegisteredToolInfo[] },
  against: string,
  options: { cwd: string; env: Env; logger: Logger; registry: string | undefined; pluginConfig?: Record<string, unknown> },
): Promise<ReleaseComparison> {
  const fetchFolder = await mkdtemp(join(tmpdir(), 'acai-against-'));
  try {
    const isTarball = /\.(tgz|tar\.gz)$/i.test(against);
    const archive = isTarball ? resolve(options.cwd, against) : (await fetchRegistryRelease(against.includes('@', 1) ? against : `${against}@latest`, { folder: fetchFolder, registry: options.registry, env: options.env })).archive;
    const baseline = await loadPluginForInspection({
      source: { kind: 'tarball', tarball: archive, absolutePath: archive },
      cwd: options.cwd,
      env: options.env,
      logger: options.logger,
      ...(options.pluginConfig === undefined ? {} : { pluginConfig: options.pluginConfig }),
    });
    try {
      const failure = baseline.host.loadReport().plugins[0]?.error;
      const baselineVersion = baseline.report.identity.version;
      if (failure !== undefined || baselineVersion === undefined) throw new CliError(`cannot compare with ${against}: it does not load (${failure?.code ?? 'no version'}: ${failure?.message ?? ''})`);
      const schemas = (tools: readonly RegisteredToolInfo[]) => new Map<string, Schema>(tools.map((tool) => [tool.tool, tool.parameters as Schema]));
      const breaks = diffToolSets(schemas(baseline.host.listTools()), schemas(current.tools));
      const isAnnounced = isMajorBump(baselineVersion, current.version);
      const needsMore = breaks.length > 0 && !isAnnounced;
      return {
        against: isTarball ? archive : `${baseline.report.identity.packageName ?? against}@${baselineVersion}`,
        baselineVersion,
        version: current.version,
        breaks,
        ...(needsMore ? { requiredVersion: requiredVersionFor(baselineVersion) } : {}),
        isNotNewer: semver.valid(current.version) !== null && semver.valid(baselineVersion) !== null && !semver.gt(current.version, baselineVersion),
        ok: !needsMore,
      };
    } finally {
      await baseline.workspace.dispose();
    }
  } finally {
    await rm(fetchFolder, { recursive: true, force: true });
  }
}
