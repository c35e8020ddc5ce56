import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { PluginEntryConfig } from '../config/plugins-config.js';
import { DEFAULT_INSTALL_DIR } from '../config/supply-chain-config.js';
import { HostError } from '../errors/index.js';
import { exists, resolveInstalledRelease } from './install/installed-release.js';
import { linkHostSdk } from './install/link-host-sdk.js';

const run = promisify(execFile);

/** Where a configured plugin's package lives on disk. */
export interface ResolvedPluginPackage {
  readonly packageDir: string;
  readonly packageJsonPath: string;
  /** Human description of the source, for reports ("package @acai/plugin-weather", "path ./x", "tarball ./x.tgz"). */
  readonly description: string;
  /** For a release installed by `acai plugin add`: the archive its files are verified against. */
  readonly installedArchive?: string;
}

/**
 * Check "resolve": finds the plugin's package: an installed package (node_modules, searched upwards
 * from the config file's directory), a local directory, or a tarball extracted into
 * `<dataDir>/plugins/<name>-<hash>/` with the host's SDK linked in so the plugin's peer resolves.
 */
export async function resolvePluginPackage(entry: PluginEntryConfig, configDir: string, dataDir: string, label: string, installDir?: string): Promise<ResolvedPluginPackage> {
  const source = entry.source;
  // A release `acai plugin add` installed (with its dependencies) into the install folder.
  if (entry.installed !== undefined && (source.kind === 'package' || source.kind === 'tarball')) {
    return resolveInstalledRelease(entry, entry.installed, installDir ?? join(configDir, DEFAULT_INSTALL_DIR), label);
  }
  switch (source.kind) {
    case 'package': {
      for (let dir = configDir; ; dir = dirname(dir)) {
        const candidate = join(dir, 'node_modules', source.package);
        if (await exists(join(candidate, 'package.json'))) {
          const packageDir = await realpath(candidate);
          return { packageDir, packageJsonPath: join(packageDir, 'package.json'), description: `package ${source.package}` };
        }
        if (dirname(dir) === dir) break;
      }
      throw new HostError(
        'HOST_PLUGIN_NOT_FOUND',
        `${label}: package "${source.package}" is not installed (searched node_modules from ${configDir} upwards). Run \`npm install ${source.package}\` or fix "package" in plugins.config.json.`,
      );
    }
    case 'path': {
      if (!(await exists(join(source.path, 'package.json')))) {
        throw new HostError('HOST_PLUGIN_NOT_FOUND', `${label}: no plugin package at ${source.path} (no package.json there). Fix "path" in plugins.config.json (it is relative to the config file).`);
      }
      const packageDir = await realpath(source.path);
      return { packageDir, packageJsonPath: join(packageDir, 'package.json'), description: `path ${source.path}` };
    }
    case 'tarball': {
      let bytes: Buffer;
      try {
        bytes = await readFile(source.tarball);
      } catch (error) {
        throw new HostError('HOST_PLUGIN_NOT_FOUND', `${label}: tarball ${source.tarball} cannot be read (${(error as Error).message}). Fix "tarball" in plugins.config.json.`, { cause: error });
      }
      const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      const target = join(dataDir, 'plugins', `${entry.name}-${hash}`);
      const packageDir = join(target, 'package');
      if (!(await exists(join(packageDir, 'package.json')))) await extractTarball(source.tarball, target, label);
      await linkHostSdk(packageDir);
      return { packageDir, packageJsonPath: join(packageDir, 'package.json'), description: `tarball ${source.tarball}` };
    }
    case 'mcp':
      throw new HostError('HOST_INTERNAL', `${label}: an MCP server has no package to resolve`);
  }
}

async function extractTarball(tarball: string, target: string, label: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(`${target}.extract-`);
  try {
    await run('tar', ['-xzf', tarball, '-C', staging]);
    if (!(await exists(join(staging, 'package', 'package.json')))) {
      throw new Error('the archive has no package/package.json (make it with `npm pack`)');
    }
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw new HostError('HOST_PLUGIN_NOT_FOUND', `${label}: cannot extract ${tarball}: ${(error as Error).message}`, { cause: error });
  }
}
