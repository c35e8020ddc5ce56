import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readTrustStore } from '../../../plugin-host/signatures/trust-store.js';
import { fingerprintOf, readPublicKeyPem, SigningKeyError } from '../../../plugin-host/signatures/signing-key.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { formatTable } from '../../format-table.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { trustStoreFolder } from '../../plugin-install/trust-store-folder.js';

export const PLUGIN_TRUST_HELP = `Usage: acai plugin trust add <key.pub> | list | remove <fingerprint> [options]

Manage the operator's trust store: the Ed25519 public keys (\`acai plugin keygen\` makes them)
whose signatures the host accepts when plugins.config.json says
"signatures": { "policy": "warn" | "required" }. The store is the folder signatures.trustedKeys
of plugins.config.json (default ./trusted-keys next to it), one <fingerprint>.pub file per key.
Compare a key's fingerprint with its owner over another channel before you add it.

Options:
      --trusted-keys <dir>   the trust store folder (instead of the config's)
      --config <path>        plugins.config.json naming the trust store (env PLUGINS_CONFIG)
      --json                 list: print the keys as JSON

Examples:
  acai plugin trust add ./alice-signing-key.pem.pub
  acai plugin trust list
  acai plugin trust remove SHA256:3nHs1vW0s9Zp…
`;

export async function runPluginTrust(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin trust', args, { 'trusted-keys': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.stdout.write(PLUGIN_TRUST_HELP);
    return 0;
  }
  const [action, argument, extra] = positionals;
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, 'plugin trust');
  const { folder } = await trustStoreFolder(io, values);
  const style = createStyle(io);
  switch (action) {
    case 'add': {
      if (argument === undefined) throw usageError('missing the public key file', 'plugin trust');
      const keyPath = resolve(io.cwd, argument);
      let fingerprint: string;
      try {
        fingerprint = fingerprintOf(readPublicKeyPem(await readFile(keyPath, 'utf8'), keyPath));
      } catch (error) {
        throw new CliError(error instanceof SigningKeyError ? error.message : `cannot read ${keyPath}: ${(error as Error).message}`);
      }
      const store = await readTrustStore(folder);
      if (store.keys.has(fingerprint)) {
        io.stdout.write(`${fingerprint} is already trusted (${store.keys.get(fingerprint)!.file})\n`);
        return 0;
      }
      await mkdir(folder, { recursive: true });
      const target = join(folder, keyFileName(fingerprint));
      await copyFile(keyPath, target);
      io.stdout.write(`${style.green('Trusted')} ${fingerprint} (${basename(keyPath)} → ${target})\n`);
      return 0;
    }
    case 'list': {
      if (argument !== undefined) throw usageError(`unexpected argument "${argument}"`, 'plugin trust');
      const store = await readTrustStore(folder);
      const rows = [...store.keys].map(([fingerprint, key]) => ({ fingerprint, file: key.file }));
      if (values.json) io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) io.stdout.write(`No trusted keys in ${folder}. Add one with \`acai plugin trust add <key.pub>\`.\n`);
      else io.stdout.write(formatTable(['FINGERPRINT', 'FILE'], rows.map((row) => [row.fingerprint, row.file])));
      for (const problem of store.problems) io.stderr.write(`warning: ${problem}\n`);
      return 0;
    }
    case 'remove': {
      if (argument === undefined) throw usageError('missing the fingerprint of the key to remove', 'plugin trust');
      const key = (await readTrustStore(folder)).keys.get(argument);
      if (key === undefined) throw new CliError(`no key ${argument.slice(0, 80)} in ${folder} (see \`acai plugin trust list\`)`);
      await rm(key.file);
      io.stdout.write(`${style.green('Removed')} ${argument} (${key.file})\n`);
      return 0;
    }
    default:
      throw usageError(action === undefined ? 'missing add, list or remove' : `unknown action "${action.slice(0, 40)}"`, 'plugin trust');
  }
}

/** `SHA256:ab/c+d` → `SHA256-ab_c-d.pub`: a file name that says which key it holds. */
function keyFileName(fingerprint: string): string {
  return `${fingerprint.replace(':', '-').replace(/\//g, '_').replace(/\+/g, '-')}.pub`;
}
