import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPackageTarball } from '../../plugin-host/integrity/read-package-tarball.js';
import { CliError } from '../cli-error.js';
import { runNpm } from './run-npm.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The files `npm pack` would publish from a package folder (its `files`, `.npmignore` and npm's own
 * rules), as paths relative to the folder. Install scripts are not run, so nothing is rebuilt.
 */
export async function packedFileList(folder: string, env: Env): Promise<string[]> {
  const { stdout } = await runNpm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: folder, env, what: `listing the files npm would publish from ${folder}` });
  try {
    const [report] = JSON.parse(stdout) as Array<{ files?: Array<{ path?: unknown }> }>;
    return (report?.files ?? []).map((file) => file.path).filter((path): path is string => typeof path === 'string');
  } catch (error) {
    throw new CliError(`npm pack --dry-run did not list the files: ${(error as Error).message}`);
  }
}

/** The files of a package folder as they would be published, or of an npm-pack archive: path → bytes. */
export async function readPublishedFiles(source: { kind: 'folder' | 'tarball'; path: string }, env: Env): Promise<Map<string, Buffer>> {
  if (source.kind === 'tarball') return new Map(readPackageTarball(await readFile(source.path)).map((file) => [file.path, file.content]));
  const files = new Map<string, Buffer>();
  for (const path of await packedFileList(source.path, env)) files.set(path, await readFile(join(source.path, path)));
  return files;
}
