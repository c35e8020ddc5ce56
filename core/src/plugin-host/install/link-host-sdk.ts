import { mkdir, readFile, realpath, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The folder of the @acai/plugin-sdk this host runs with. */
export async function hostSdkFolder(): Promise<string> {
  return realpath(dirname(createRequire(import.meta.url).resolve('@acai/plugin-sdk/package.json')));
}

/**
 * Makes `<folder>/node_modules/@acai/plugin-sdk` a link to the host's own SDK, the peer every plugin
 * declares: packages are installed without their peers, so the plugin runs against the SDK of the
 * host that loads it. A link to another SDK (left by the CLI that installed the package) is replaced
 * atomically; when the folder is read-only, a link that still leads to an SDK is kept.
 */
export async function linkHostSdk(folder: string): Promise<void> {
  const target = await hostSdkFolder();
  const link = join(folder, 'node_modules', '@acai', 'plugin-sdk');
  const current = await realpath(link).catch(() => undefined);
  if (current === target) return;
  const staged = `${link}.${process.pid}-${Date.now()}.link`;
  try {
    await mkdir(dirname(link), { recursive: true });
    await symlink(target, staged, 'dir');
    await rename(staged, link);
  } catch (error) {
    await rm(staged, { force: true }).catch(() => {});
    const isUsable = current !== undefined && (await readFile(join(current, 'package.json')).then(() => true, () => false));
    if (!isUsable) throw error;
  }
}
