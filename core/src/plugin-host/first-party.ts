import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the first-party plugins live: the `plugins/` folder of the host's own tree (this repository, the
 * image's /app). core/src/plugin-host and core/dist/plugin-host are both three levels below the root.
 */
const FIRST_PARTY_PLUGINS_DIR = fileURLToPath(new URL('../../../plugins/', import.meta.url));
const FIRST_PARTY_NAME = /^@acai\/plugin-[a-z0-9-]+$/;

let firstPartyRoot: Promise<string | undefined> | undefined;

/**
 * Whether a plugin package is first-party: trusted code that runs without a sandbox by default. Decided
 * by where its files really are, never by its name alone: the package's real directory (links resolved)
 * must be a folder directly inside the host's own `plugins/` folder, and its name `@acai/plugin-*`. A
 * package that merely calls itself `@acai/plugin-weather` (installed from a registry, a tarball, a path
 * elsewhere) is third-party and sandboxed; so is anything an operator copies next to the host's plugins
 * under another name.
 */
export async function isFirstPartyPackage(packageDir: string, packageName: string): Promise<boolean> {
  if (!FIRST_PARTY_NAME.test(packageName)) return false;
  firstPartyRoot ??= realpath(FIRST_PARTY_PLUGINS_DIR).catch(() => undefined);
  const root = await firstPartyRoot;
  if (root === undefined) return false;
  const real = await realpath(packageDir).catch(() => undefined);
  return real !== undefined && dirname(real) === root;
}
