import type { PluginAdminApi, ReloadPluginsResponse } from '../client/index.js';
import type { Style } from './cli-io.js';
import { describeClientError } from './describe-client-error.js';

/**
 * After plugins.config.json changed: asks the host at `url` to re-read it (admin ReloadPlugins) and
 * describes what changed. Asked "if changed", so a host whose file watch already loaded the new file does
 * not load it a second time. A refused reload leaves the host on its old plugin set, which the message says.
 */
export async function reloadRunningHost(admin: PluginAdminApi, url: string, style: Style): Promise<string> {
  try {
    const result = await admin.reloadPlugins({ ifChanged: true });
    if (result.skipped === true) return `${style.green('Up to date')}: ${url} already serves this file (generation ${result.generation ?? '?'})\n`;
    return `${style.green('Reloaded')} ${url} (${describeReload(result)})\n`;
  } catch (error) {
    const failure = describeClientError(error, url);
    failure.message = `the file was saved, but the host did not reload: ${failure.message}`;
    throw failure;
  }
}

/** `generation 3; added: x; reloaded: y`: what a reload changed. */
export function describeReload(result: ReloadPluginsResponse): string {
  const parts = (
    [
      ['added', result.added],
      ['reloaded', result.reloaded],
      ['removed', result.removed],
      ['failed', result.failed],
    ] as const
  )
    .filter(([, names]) => (names?.length ?? 0) > 0)
    .map(([label, names]) => `${label}: ${(names ?? []).join(', ')}`);
  return `generation ${result.generation ?? '?'}${parts.length > 0 ? `; ${parts.join('; ')}` : ''}`;
}
