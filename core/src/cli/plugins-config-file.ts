import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginPermissions } from '@acai/plugin-sdk';
import { parsePluginsConfig, type PluginsConfig } from '../config/plugins-config.js';
import type { InstalledRelease } from '../config/supply-chain-config.js';
import { HostError } from '../errors/index.js';
import { CliError } from './cli-error.js';
import { findProperty, indentationAt, parseJsonTree, type JsonNode } from './json-tree.js';

const SCHEMA_PATH = fileURLToPath(new URL('../../schemas/plugins.config.schema.json', import.meta.url));

/** A new plugins.config.json entry, as written to the file. */
export interface NewPluginEntry {
  name: string;
  package?: string;
  path?: string;
  tarball?: string;
  /** An MCP server's block, written as given (`${VAR}` references stay references). */
  mcp?: Readonly<Record<string, unknown>>;
  version?: string;
  enabled?: boolean;
  config?: Record<string, unknown>;
  /** The release `acai plugin add` installed (package and tarball sources). */
  installed?: InstalledRelease;
  /** The operator's grant (`acai plugin add` writes it once confirmed). */
  permissions?: PluginPermissions;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The plugins.config.json to use: --config, else PLUGINS_CONFIG, else ./plugins.config.json (relative to cwd). */
export function pluginsConfigPath(flag: string | undefined, env: Env, cwd: string): string {
  const chosen = flag ?? (env.PLUGINS_CONFIG?.trim() || 'plugins.config.json');
  return resolve(cwd, chosen);
}

/** Turns a HostError from the config loader into one CLI line. */
export function configErrorToCli(error: unknown): CliError {
  if (HostError.isInstance(error)) {
    const [first, ...problems] = error.message.split('\n').map((line) => line.trim().replace(/^- /, ''));
    return new CliError(problems.length > 0 ? `${first} ${problems.join('; ')}` : (first ?? error.message), { cause: error });
  }
  return new CliError(error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * plugins.config.json as text plus a located tree: edits splice the text so comments-free JSON keeps
 * its formatting and key order exactly; every result is validated with the host's own config loader.
 */
export class PluginsConfigFile {
  #text: string;
  readonly #existed: boolean;

  private constructor(
    readonly path: string,
    text: string,
    existed: boolean,
  ) {
    this.#text = text;
    this.#existed = existed;
  }

  static async open(path: string, options: { createIfMissing?: boolean } = {}): Promise<PluginsConfigFile> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
      if (!options.createIfMissing) {
        throw new CliError(`${path} does not exist (pass --config, set PLUGINS_CONFIG, or \`acai plugin add\` to create it)`);
      }
      // Editors find the schema through $schema; npx runs the CLI from a cache folder that may be cleared, so none then.
      const isTransient = SCHEMA_PATH.split(sep).includes('_npx');
      let schema = relative(dirname(path), SCHEMA_PATH);
      if (!schema.startsWith('.')) schema = `./${schema}`;
      return new PluginsConfigFile(path, `${JSON.stringify({ ...(isTransient ? {} : { $schema: schema }), plugins: [] }, null, 2)}\n`, false);
    }
    const file = new PluginsConfigFile(path, text, true);
    file.#tree(); // fail early on broken JSON
    return file;
  }

  get content(): string {
    return this.#text;
  }

  #tree(): JsonNode {
    try {
      return parseJsonTree(this.#text);
    } catch (error) {
      throw new CliError(`${this.path} is not valid JSON: ${(error as Error).message}`);
    }
  }

  #pluginsArray(): Extract<JsonNode, { kind: 'array' }> {
    const plugins = findProperty(this.#tree(), 'plugins')?.value;
    if (plugins?.kind !== 'array') throw new CliError(`${this.path} has no "plugins" array`);
    return plugins;
  }

  /** Entry names in file order. */
  names(): string[] {
    return this.#pluginsArray().items.map((item) => {
      const name = findProperty(item, 'name')?.value;
      return name?.kind === 'string' ? name.value : '';
    });
  }

  #entry(name: string): Extract<JsonNode, { kind: 'object' }> {
    const item = this.#pluginsArray().items.find((candidate) => {
      const value = findProperty(candidate, 'name')?.value;
      return value?.kind === 'string' && value.value === name;
    });
    if (item?.kind !== 'object') {
      const names = this.names();
      throw new CliError(`no plugin "${name}" in ${this.path} (configured: ${names.length > 0 ? names.join(', ') : 'none'}); add it with \`acai plugin add\``);
    }
    return item;
  }

  #splice(start: number, end: number, insert: string): void {
    this.#text = this.#text.slice(0, start) + insert + this.#text.slice(end);
  }

  /** Whether the entry is enabled (the schema's default is true). */
  isEnabled(name: string): boolean {
    const enabled = findProperty(this.#entry(name), 'enabled')?.value;
    return enabled?.kind === 'boolean' ? enabled.value === true : true;
  }

  /** Sets `enabled`; returns false when it already had that value. */
  setEnabled(name: string, enabled: boolean): boolean {
    if (this.isEnabled(name) === enabled) return false;
    const entry = this.#entry(name);
    const existing = findProperty(entry, 'enabled');
    if (existing) {
      this.#splice(existing.value.start, existing.value.end, String(enabled));
      return true;
    }
    // Insert right after "name", on its own line when the entry spans several lines.
    const nameProperty = findProperty(entry, 'name')!;
    const indent = indentationAt(this.#text, nameProperty.keyStart);
    const isMultiLine = this.#text.slice(entry.start, entry.end).includes('\n');
    const insertion = isMultiLine && indent !== undefined ? `,\n${indent}"enabled": ${enabled}` : `, "enabled": ${enabled}`;
    this.#splice(nameProperty.value.end, nameProperty.value.end, insertion);
    return true;
  }

  /** Throws when an entry named `name` is already in the file (checked before anything is asked or installed). */
  refuseDuplicate(name: string): void {
    if (this.names().includes(name)) {
      throw new CliError(`a plugin named "${name}" is already in ${this.path}; use \`acai plugin enable ${name}\` or remove that entry first`);
    }
  }

  /** Appends an entry to `plugins`, indented like its siblings. */
  add(entry: NewPluginEntry): void {
    this.refuseDuplicate(entry.name);
    const plugins = this.#pluginsArray();
    const last = plugins.items.at(-1);
    const arrayIndent = indentationAt(this.#text, findProperty(this.#tree(), 'plugins')!.keyStart) ?? '';
    // "plugins" is a root property, so its indentation is the file's indent unit.
    const fileUnit = arrayIndent === '' ? '  ' : arrayIndent;
    const itemIndent = (last ? indentationAt(this.#text, last.start) : undefined) ?? `${arrayIndent}${fileUnit}`;
    const unit = itemIndent.length > arrayIndent.length ? itemIndent.slice(arrayIndent.length) : fileUnit;
    const json = JSON.stringify(entry, null, unit).replace(/\n/g, `\n${itemIndent}`);
    if (last) {
      this.#splice(last.end, last.end, `,\n${itemIndent}${json}`);
    } else {
      this.#splice(plugins.start, plugins.end, `[\n${itemIndent}${json}\n${arrayIndent}]`);
    }
  }

  /** An entry as written in the file (before defaults and `${VAR}` interpolation). */
  entryFields(name: string): Record<string, unknown> {
    const entry = this.#entry(name);
    return JSON.parse(this.#text.slice(entry.start, entry.end)) as Record<string, unknown>;
  }

  /**
   * Sets one property of an entry (replacing its value in place, or adding it after the last
   * property, indented like its siblings); `undefined` removes the property.
   */
  setEntryField(name: string, key: string, value: unknown): void {
    const entry = this.#entry(name);
    const index = entry.properties.findIndex((property) => property.key === key);
    const anchor = entry.properties[index >= 0 ? index : entry.properties.length - 1];
    const indent = anchor === undefined ? undefined : indentationAt(this.#text, anchor.keyStart);
    const spansLines = this.#text.slice(entry.start, entry.end).includes('\n') && indent !== undefined;
    // One indentation level: how much deeper the entry's properties sit than the entry itself.
    const entryIndent = indentationAt(this.#text, entry.start) ?? '';
    const unit = indent !== undefined && indent.length > entryIndent.length ? indent.slice(entryIndent.length) : '  ';
    const render = (json: unknown) =>
      spansLines && typeof json === 'object' && json !== null ? JSON.stringify(json, null, unit).replace(/\n/g, `\n${indent}`) : JSON.stringify(json);
    if (index >= 0) {
      const property = entry.properties[index]!;
      if (value !== undefined) {
        this.#splice(property.value.start, property.value.end, render(value));
        return;
      }
      const previous = entry.properties[index - 1];
      const next = entry.properties[index + 1];
      if (previous !== undefined) this.#splice(previous.value.end, property.value.end, '');
      else if (next !== undefined) this.#splice(property.keyStart, next.keyStart, '');
      else this.#splice(entry.start, entry.end, '{}');
      return;
    }
    if (value === undefined) return;
    if (anchor === undefined) {
      this.#splice(entry.start, entry.end, `{ ${JSON.stringify(key)}: ${JSON.stringify(value)} }`);
      return;
    }
    const separator = spansLines ? `,\n${indent}` : ', ';
    this.#splice(anchor.value.end, anchor.value.end, `${separator}${JSON.stringify(key)}: ${render(value)}`);
  }

  /** Removes an entry from `plugins`, with the comma that joined it to its neighbours. */
  remove(name: string): void {
    const entry = this.#entry(name);
    const plugins = this.#pluginsArray();
    const index = plugins.items.findIndex((item) => item.start === entry.start);
    const previous = plugins.items[index - 1];
    const next = plugins.items[index + 1];
    if (previous !== undefined) this.#splice(previous.end, entry.end, '');
    else if (next !== undefined) this.#splice(entry.start, next.start, '');
    else this.#splice(plugins.start, plugins.end, '[]');
  }

  /** Runs the host's config validation on the edited text; throws a one-line CliError. */
  validate(env: Env): PluginsConfig {
    try {
      return parsePluginsConfig(JSON.parse(this.#text) as unknown, { path: this.path, env });
    } catch (error) {
      throw configErrorToCli(error);
    }
  }

  /** Validates, then writes atomically (temp file + rename). */
  async save(env: Env): Promise<PluginsConfig> {
    const config = this.validate(env);
    const temporary = `${this.path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      // A new file may live in a folder that does not exist yet (`--config deploy/plugins.config.json`).
      if (!this.#existed) await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, this.#text, 'utf8');
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new CliError(`cannot write ${this.path}: ${(error as Error).message}`);
    }
    return config;
  }

  /** True when the file did not exist before this edit. */
  get isNew(): boolean {
    return !this.#existed;
  }
}
