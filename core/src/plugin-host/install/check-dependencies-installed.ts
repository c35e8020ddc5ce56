import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PluginSource } from '../../config/plugins-config.js';
import { HostError } from '../../errors/index.js';

const MAX_DEPENDENCIES = 1000;

/**
 * Check "dependencies": every runtime dependency of the package is installed where Node.js will look
 * for it when the plugin imports it (`node_modules` in the package folder or above). Without this the
 * plugin fails at import with "Cannot find package", far from the cause; here the refusal names the
 * dependency and how this kind of source gets its dependencies installed.
 */
export async function checkDependenciesInstalled(packageDir: string, packageJson: unknown, source: PluginSource, named: string): Promise<void> {
  const declared = (packageJson as { dependencies?: unknown }).dependencies;
  if (typeof declared !== 'object' || declared === null) return;
  const dependencies = Object.entries(declared as Record<string, unknown>).slice(0, MAX_DEPENDENCIES);
  for (const [name, range] of dependencies) {
    if (!(await isInstalledFrom(packageDir, name))) {
      throw new HostError('HOST_PLUGIN_DEPENDENCY_MISSING', `${named}: its dependency ${name}${typeof range === 'string' ? ` (${range.slice(0, 100)})` : ''} is not installed, so importing the plugin would fail. ${fixFor(source)}`);
    }
  }
}

/** True when `node_modules/<name>` exists in `from` or a folder above it: where Node.js finds an import of `name`. */
export async function isInstalledFrom(from: string, name: string): Promise<boolean> {
  for (let folder = from; ; folder = dirname(folder)) {
    try {
      await access(join(folder, 'node_modules', name, 'package.json'));
      return true;
    } catch {
      // not here; Node.js looks in the parent's node_modules next
    }
    if (dirname(folder) === folder) return false;
  }
}

function fixFor(source: PluginSource): string {
  switch (source.kind) {
    case 'path':
      return `Run \`npm install\` in ${source.path}.`;
    case 'tarball':
      return `Install it with its dependencies: \`acai plugin add ${source.tarball}\` (or \`acai plugin upgrade <name> ${source.tarball}\` for an entry already in plugins.config.json).`;
    default:
      return 'Reinstall it with `acai plugin upgrade <name>` (or `npm install` where it is installed).';
  }
}
