import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { generateSigningKeyPair } from '../../../plugin-host/signatures/signing-key.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { parseCommandArgs } from '../../parse-command-args.js';

export const PLUGIN_KEYGEN_HELP = `Usage: acai plugin keygen --out <path>

Create an Ed25519 key pair for signing plugin packages (\`acai plugin sign\`): the private key at
<path> (PEM, readable by you only; keep it secret and out of the package) and the public key at
<path>.pub, which operators put in their trust store (\`acai plugin trust add\`). Prints the key's
fingerprint, which operators compare with you before they trust it. Existing files are never
overwritten.

Examples:
  acai plugin keygen --out ~/.acai/signing-key.pem
`;

export async function runPluginKeygen(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin keygen', args, { out: { type: 'string' } });
  if (values.help) {
    io.stdout.write(PLUGIN_KEYGEN_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, 'plugin keygen');
  if (values.out === undefined) throw usageError('missing --out <path> for the private key', 'plugin keygen');
  const privatePath = resolve(io.cwd, values.out);
  const publicPath = `${privatePath}.pub`;
  const pair = generateSigningKeyPair();
  await mkdir(dirname(privatePath), { recursive: true, mode: 0o700 });
  try {
    // "wx": fail rather than replace a key someone may already have published signatures with.
    await writeFile(privatePath, pair.privateKeyPem, { flag: 'wx', mode: 0o600 });
    await writeFile(publicPath, pair.publicKeyPem, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${(error as NodeJS.ErrnoException).path ?? privatePath} already exists; choose another --out (a key is never overwritten)`);
    throw error;
  }
  const style = createStyle(io);
  io.stdout.write(`${style.green('Created')} an Ed25519 signing key\n  private: ${privatePath} (keep it secret)\n  public:  ${publicPath}\n  fingerprint: ${pair.fingerprint}\n`);
  return 0;
}
