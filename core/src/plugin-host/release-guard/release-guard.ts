import semver from 'semver';
import type { InstalledRelease } from '../../config/supply-chain-config.js';
import { HostError } from '../../errors/index.js';
import type { ToolSchemaRecord, ToolSchemaSnapshot } from '../tool-schema-changes.js';
import { diffToolSets, isMajorBump, requiredVersionFor, type Schema, type SchemaBreak } from './tool-schema-compatibility.js';

/** The release the host last served of one plugin, from the schema ledger. */
export interface ServedRelease {
  readonly version: string;
  /** Exposed tool name → its parameters (only tools whose parameters the ledger kept). */
  readonly tools: ReadonlyMap<string, Schema>;
  /** Integrity of the installed release, when it was one. */
  readonly integrity: string | undefined;
}

/**
 * The newest release of `plugin` the ledger recorded. A plugin's records can come from several
 * releases (a tool dropped by a major release stays in the ledger), so only the newest counts.
 */
export function servedRelease(baseline: ToolSchemaSnapshot | undefined, plugin: string): ServedRelease | undefined {
  const records = [...(baseline ?? new Map<string, ToolSchemaRecord>())].filter(([, record]) => record.plugin === plugin && semver.valid(record.pluginVersion) !== null);
  if (records.length === 0) return undefined;
  const version = records.map(([, record]) => record.pluginVersion).sort(semver.rcompare)[0]!;
  const current = records.filter(([, record]) => record.pluginVersion === version);
  return {
    version,
    tools: new Map(current.flatMap(([exposedName, record]) => (record.parameters === undefined ? [] : [[exposedName, record.parameters] as const]))),
    integrity: current.find(([, record]) => record.pluginIntegrity !== undefined)?.[1].pluginIntegrity,
  };
}

/** What {@link checkReleaseCompatibility} compares. */
export interface ReleaseCheck {
  readonly plugin: string;
  readonly version: string;
  /** Every tool of the release, by exposed name, with whether the entry exposes it. */
  readonly tools: ReadonlyMap<string, { readonly parameters: Schema; readonly isExposed: boolean }>;
  readonly baseline: ToolSchemaSnapshot | undefined;
  /** plugins.config.json › acceptBreakingRelease. */
  readonly acceptBreakingRelease: string | undefined;
  /** `plugins.config.json › digits (acai-plugin-digits@1.1.0)`, for messages. */
  readonly named: string;
}

/**
 * Check "compatibility": a newer release of a plugin may not break the tool schemas the host has been
 * serving (callers learned them: stored tool calls, prompts, other agents) unless its major version
 * (minor for 0.x) went up or the operator accepted that exact release. Same or older releases pass, so
 * rolling back is always possible. Tools the entry does not expose are not compared.
 */
export function checkReleaseCompatibility(check: ReleaseCheck): void {
  const served = servedRelease(check.baseline, check.plugin);
  if (served === undefined || semver.valid(check.version) === null || !semver.gt(check.version, served.version)) return;
  if (isMajorBump(served.version, check.version) || check.acceptBreakingRelease === check.version) return;
  const after = new Map([...check.tools].map(([name, tool]) => [name, tool.parameters]));
  const before = new Map([...served.tools].filter(([name]) => check.tools.get(name)?.isExposed !== false));
  const breaks = diffToolSets(before, after);
  if (breaks.length === 0) return;
  throw new HostError(
    'HOST_PLUGIN_BREAKING_CHANGE',
    `${check.named}: release ${check.version} breaks the tool parameters of ${served.version} without a major version bump: ${describeBreaks(breaks)}. ` +
      `Its author should publish it as ${requiredVersionFor(served.version)}; keep ${served.version} (\`acai plugin upgrade ${check.plugin} --to ${served.version}\`), ` +
      `or accept it with "acceptBreakingRelease": "${check.version}" in plugins.config.json.`,
    { meta: { plugin: check.plugin, from: served.version, to: check.version } },
  );
}

/** `digits__get_digits /properties/base: a new required property; …` (at most 5, then a count). */
export function describeBreaks(breaks: readonly SchemaBreak[]): string {
  const shown = breaks.slice(0, 5).map((change) => `${change.tool}${change.path === '' ? '' : ` ${change.path}`}: ${change.change}`);
  return `${shown.join('; ')}${breaks.length > 5 ? `; and ${breaks.length - 5} more` : ''}`;
}

/**
 * The installed release to fall back to when `installed` (the configured one) is refused or fails: the
 * one the host last served, if it was installed by `acai plugin add` and is another release.
 */
export function lastGoodRelease(baseline: ToolSchemaSnapshot | undefined, plugin: string, installed: InstalledRelease): InstalledRelease | undefined {
  const served = servedRelease(baseline, plugin);
  if (served?.integrity === undefined || served.version === installed.version) return undefined;
  return { ...installed, version: served.version, integrity: served.integrity };
}
