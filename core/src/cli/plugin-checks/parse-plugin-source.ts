import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import semver from 'semver';
import { PLUGIN_NAME_PATTERN } from '@acai/plugin-sdk';
import { CliError, usageError } from '../cli-error.js';
import { parseJsonFlag } from '../parse-json-flag.js';

/** Where `acai plugin add` takes a plugin from, as it is written to plugins.config.json. */
export type PluginSourceSpec =
  | { readonly kind: 'package'; readonly package: string; readonly version?: string }
  | { readonly kind: 'path'; readonly path: string; readonly absolutePath: string }
  | { readonly kind: 'tarball'; readonly tarball: string; readonly absolutePath: string }
  /**
   * An MCP server: the `mcp` block as written to plugins.config.json (checked by the host's config loader)
   * and the entry's name, which a server does not declare itself.
   */
  | { readonly kind: 'mcp'; readonly mcp: Readonly<Record<string, unknown>>; readonly name: string; readonly version?: string };

// npm's package-name rules (lower case, URL-safe, optional scope); a range may follow after "@".
const PACKAGE_SPEC = /^((?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*)(?:@(.+))?$/;
const TARBALL = /\.(tgz|tar\.gz)$/i;

function kindOf(path: string): 'file' | 'directory' | undefined {
  try {
    const info = statSync(path);
    return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The config file resolves relative sources against its own folder, so paths are stored relative to
 * it; a path that would climb out of that folder is stored absolute, which stays readable.
 */
export function pathForConfig(absolutePath: string, configDir: string): string {
  const relativePath = relative(configDir, absolutePath);
  if (relativePath === '') return '.';
  if (relativePath.startsWith('..') || isAbsolute(relativePath)) return absolutePath;
  return `./${relativePath}`;
}

/**
 * Reads the argument of `acai plugin add`: a tarball (`*.tgz`, `*.tar.gz`), a plugin folder (anything
 * that exists as a folder or looks like a path), or an installed npm package name with an optional
 * version range (`@acai/plugin-weather@^1.0.0`).
 */
export function parsePluginSource(argument: string, cwd: string, configDir: string): PluginSourceSpec {
  if (argument.trim() === '' || /[\0\r\n]/.test(argument)) throw new CliError('the plugin source is empty or contains control characters', { exitCode: 2 });
  const absolutePath = resolve(cwd, argument);
  if (TARBALL.test(argument)) {
    if (kindOf(absolutePath) !== 'file') throw new CliError(`no tarball at ${absolutePath} (make one with \`npm pack\` in the plugin folder)`);
    return { kind: 'tarball', tarball: pathForConfig(absolutePath, configDir), absolutePath };
  }
  const looksLikePath = argument.startsWith('.') || isAbsolute(argument) || (argument.includes('/') && !argument.startsWith('@')) || argument.includes('\\');
  const kind = kindOf(absolutePath);
  if (looksLikePath || kind === 'directory') {
    if (kind !== 'directory') throw new CliError(`no plugin folder at ${absolutePath}`);
    if (kindOf(resolve(absolutePath, 'package.json')) !== 'file') {
      throw new CliError(`${absolutePath} has no package.json; pass a plugin package folder, a tarball or an installed package name`);
    }
    return { kind: 'path', path: pathForConfig(absolutePath, configDir), absolutePath };
  }
  const match = PACKAGE_SPEC.exec(argument);
  if (match === null || match[1]!.length > 214) {
    throw new CliError(`"${argument}" is not a plugin folder, a tarball (.tgz) or a valid npm package name`, { exitCode: 2 });
  }
  const version = match[2];
  if (version !== undefined && semver.validRange(version) === null) {
    throw new CliError(`"${version}" in "${argument}" is not a semver range (e.g. ^1.0.0)`, { exitCode: 2 });
  }
  return { kind: 'package', package: match[1]!, ...(version !== undefined ? { version } : {}) };
}

/** The plugins.config.json fields for a source (without the name). */
export function sourceFields(source: PluginSourceSpec): { package?: string; path?: string; tarball?: string; mcp?: Readonly<Record<string, unknown>>; version?: string } {
  switch (source.kind) {
    case 'package':
      return { package: source.package, ...(source.version !== undefined ? { version: source.version } : {}) };
    case 'path':
      return { path: source.path };
    case 'tarball':
      return { tarball: source.tarball };
    case 'mcp':
      return { mcp: source.mcp, ...(source.version !== undefined ? { version: source.version } : {}) };
  }
}

/**
 * Reads `--mcp <json>` with `--name <name>`: an MCP server's block as in plugins.config.json
 * (`{"command": …}` or `{"url": …}`; the host's config loader checks the rest) and the entry's name,
 * which an MCP server does not declare itself.
 */
export function parseMcpSource(text: string, name: string | undefined, command: string): PluginSourceSpec {
  const mcp = parseJsonFlag(text, '--mcp', command) as Record<string, unknown>;
  if (name === undefined) throw usageError('--mcp needs --name <name>: the plugin name its tools are exposed under (<name>__<tool>)', command);
  if (!PLUGIN_NAME_PATTERN.test(name)) throw usageError(`--name "${name.slice(0, 40)}" is not a plugin name (lowercase letters, digits and "-", 2 to 32 characters)`, command);
  return { kind: 'mcp', mcp, name };
}
