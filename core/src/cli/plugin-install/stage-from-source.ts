import type { Logger } from 'pino';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchRegistryRelease, fetchTarballRelease, type FetchedRelease } from './fetch-release.js';
import { stageRelease, type SandboxedIdentifyOptions, type StagedRelease } from './stage-release.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where a release to install comes from. */
export type ReleaseSource =
  | { readonly kind: 'registry'; readonly spec: string; readonly registry: string | undefined }
  | { readonly kind: 'tarball'; readonly path: string };

/** Fetches a release (registry download or local archive) and stages it with its dependencies (see stageRelease). */
export async function stageFromSource(source: ReleaseSource, options: { installDir: string; env: Env; logger: Logger; identify?: SandboxedIdentifyOptions }): Promise<StagedRelease> {
  await mkdir(options.installDir, { recursive: true });
  const fetchFolder = await mkdtemp(join(options.installDir, '.fetch-'));
  try {
    const fetched: FetchedRelease =
      source.kind === 'registry' ? await fetchRegistryRelease(source.spec, { folder: fetchFolder, registry: source.registry, env: options.env }) : await fetchTarballRelease(source.path, fetchFolder);
    return await stageRelease(fetched, {
      installDir: options.installDir,
      registry: source.kind === 'registry' ? source.registry : undefined,
      env: options.env,
      logger: options.logger,
      ...(options.identify === undefined ? {} : { identify: options.identify }),
    });
  } finally {
    await rm(fetchFolder, { recursive: true, force: true });
  }
}
