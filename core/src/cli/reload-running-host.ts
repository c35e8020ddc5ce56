import type { PluginAdminApi } from '../client/index.js';
import type { Style } from './cli-io.js';
import { describeClientError } from './describe-client-error.js';

/**
 * After plugins.config.json changed: asks the host at `url` to re-read it (admin ReloadPlugins) and
 * describes what changed. A refused reload leaves the host on its old plugin set, which the message says.
 */
export async function reloadRunningHost(admin: PluginAdminApi, url: string, style: Style): Promise<string> {
  try {
    const result = await admin.reloadPlugins();
    const parts = [
      ['added', result.added],
      ['reloaded', result.reloaded],
      ['removed', result.removed],
      ['failed', result.failed],
    ]
      .filter(([, names]) => (names as string[] | undefined)?.length)
      .map(([label, names]) => `${label as string}: ${(names as string[]).join(', ')}`);
    return `${style.green('Reloaded')} ${url} (generation ${result.generation ?? '?'}${parts.length > 0 ? `; ${parts.join('; ')}` : ''})\n`;
  } catch (error) {
    const failure = describeClientError(error, url);
    failure.message = `the file was saved, but the host did not reload: ${failure.message}`;
    throw failure;
  }
}
