import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_TRUSTED_KEYS_DIR, readSupplyChainSettings } from '../../config/supply-chain-config.js';
import { pluginsConfigPath, PluginsConfigFile } from '../plugins-config-file.js';
import type { CliIo } from '../cli-io.js';

/**
 * The trust store a command uses: --trusted-keys, else the one plugins.config.json names (its
 * `signatures.trustedKeys`, default ./trusted-keys next to it). `exists` says whether a config file
 * was found to take it from, or the folder was given.
 */
export async function trustStoreFolder(io: CliIo, values: { 'trusted-keys'?: string | undefined; config?: string | undefined }): Promise<{ folder: string; isExplicit: boolean }> {
  if (values['trusted-keys'] !== undefined) return { folder: resolve(io.cwd, values['trusted-keys']), isExplicit: true };
  const configPath = pluginsConfigPath(values.config, io.env, io.cwd);
  const hasConfig = await access(configPath).then(() => true, () => false);
  if (!hasConfig) return { folder: join(dirname(configPath), DEFAULT_TRUSTED_KEYS_DIR), isExplicit: values.config !== undefined };
  const file = await PluginsConfigFile.open(configPath);
  return { folder: readSupplyChainSettings(JSON.parse(file.content) as unknown, dirname(configPath)).signatures.trustedKeysDir, isExplicit: true };
}
