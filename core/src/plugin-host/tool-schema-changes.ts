import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { InstalledRelease } from '../config/supply-chain-config.js';
import { isMajorBump, type Schema } from './release-guard/tool-schema-compatibility.js';
import type { RegisteredToolInfo } from './tool-registry.js';

/** What a tool's parameters looked like in one plugin release. */
export interface ToolSchemaRecord {
  readonly plugin: string;
  readonly pluginVersion: string;
  readonly schemaFingerprint: string;
  /** The parameters themselves, so a later release can be checked for breaking changes (absent in older ledgers). */
  readonly parameters?: Schema;
  /** The integrity of the installed release these tools came from, so the host can fall back to it. */
  readonly pluginIntegrity?: string;
}

/** Exposed tool name → its schema record. */
export type ToolSchemaSnapshot = ReadonlyMap<string, ToolSchemaRecord>;

/**
 * A tool whose parameter schema changed between two loaded plugin sets. Strict function calling
 * makes every property required, so any schema change can break callers that learned the old one
 * (stored tool calls, prompts, other agents): only a major version bump announces that.
 */
export interface ToolSchemaChange {
  readonly exposedName: string;
  readonly plugin: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly fromFingerprint: string;
  readonly toFingerprint: string;
  /** True when the plugin's major version went up with the change (the change was announced). */
  readonly isMajorBump: boolean;
}

/** The schema records of a plugin set's tools; `installedOf` names the installed release of each plugin that has one. */
export function snapshotToolSchemas(tools: readonly RegisteredToolInfo[], installedOf: (plugin: string) => InstalledRelease | undefined = () => undefined): ToolSchemaSnapshot {
  return new Map(
    tools.map((tool) => {
      const installed = installedOf(tool.plugin);
      const integrity = installed?.version === tool.pluginVersion ? installed.integrity : undefined;
      const record: ToolSchemaRecord = {
        plugin: tool.plugin,
        pluginVersion: tool.pluginVersion,
        schemaFingerprint: tool.schemaFingerprint,
        parameters: tool.parameters as Schema,
        ...(integrity === undefined ? {} : { pluginIntegrity: integrity }),
      };
      return [tool.exposedName, record];
    }),
  );
}

/** Tools present in both snapshots whose parameter schema fingerprint differs. */
export function diffToolSchemas(previous: ToolSchemaSnapshot, current: ToolSchemaSnapshot): ToolSchemaChange[] {
  const changes: ToolSchemaChange[] = [];
  for (const [exposedName, now] of current) {
    const before = previous.get(exposedName);
    if (before === undefined || before.schemaFingerprint === now.schemaFingerprint) continue;
    changes.push({
      exposedName,
      plugin: now.plugin,
      fromVersion: before.pluginVersion,
      toVersion: now.pluginVersion,
      fromFingerprint: before.schemaFingerprint,
      toFingerprint: now.schemaFingerprint,
      isMajorBump: isMajorBump(before.pluginVersion, now.pluginVersion),
    });
  }
  return changes;
}

/**
 * The last loaded tool schemas, kept in a small JSON file under the data dir so a change is noticed
 * across restarts too (the usual upgrade is `npm install` + restart, not a hot reload).
 */
export class ToolSchemaLedger {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  /** The recorded snapshot; empty when there is none yet or the file is unreadable (it is only advisory). */
  async read(): Promise<ToolSchemaSnapshot> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.#path, 'utf8'));
      const entries = typeof parsed === 'object' && parsed !== null ? Object.entries((parsed as { tools?: unknown }).tools ?? {}) : [];
      return new Map(entries.filter((entry): entry is [string, ToolSchemaRecord] => isRecord(entry[1])));
    } catch {
      return new Map();
    }
  }

  /** Replaces the file atomically (write then rename), so a crash never leaves half a ledger. */
  async write(snapshot: ToolSchemaSnapshot): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true });
    const temporary = `${this.#path}.${process.pid}.partial`;
    await writeFile(temporary, `${JSON.stringify({ tools: Object.fromEntries(snapshot) }, null, 2)}\n`);
    await rename(temporary, this.#path);
  }
}

function isRecord(value: unknown): value is ToolSchemaRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.plugin === 'string' && typeof record.pluginVersion === 'string' && typeof record.schemaFingerprint === 'string';
}
