import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileDigest, judgeSignature, parseSignature, SIGNATURE_FILE_NAME, type SignatureVerdict } from '../../../plugin-host/signatures/package-signature.js';
import { readTrustStore } from '../../../plugin-host/signatures/trust-store.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { readPublishedFiles } from '../../plugin-install/packed-files.js';
import { trustStoreFolder } from '../../plugin-install/trust-store-folder.js';

export const PLUGIN_VERIFY_HELP = `Usage: acai plugin verify [<folder|tarball>] [options]

Check a plugin package's signature (${SIGNATURE_FILE_NAME}, made by \`acai plugin sign\`) against
exactly the files it publishes: the files \`npm pack\` would take from a folder, or those in an
archive. Says who signed it (the key's fingerprint) and whether that key is in the trust store:
--trusted-keys, else the one of plugins.config.json (signatures.trustedKeys). Exits 1 when the
package is unsigned, the signature does not match, or the signer is not trusted by a trust store
that exists; a valid signature with no trust store to check passes with a note.

Options:
      --trusted-keys <dir>   the trust store (a folder of *.pub Ed25519 public keys)
      --config <path>        plugins.config.json whose trust store to use (env PLUGINS_CONFIG)
      --json                 print the verdict as JSON

Examples:
  acai plugin verify .
  acai plugin verify ./acai-plugin-stock-quotes-1.2.0.tgz --trusted-keys /etc/acai/trusted-keys
`;

export async function runPluginVerify(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin verify', args, { 'trusted-keys': { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.stdout.write(PLUGIN_VERIFY_HELP);
    return 0;
  }
  if (positionals.length > 1) throw usageError(`unexpected argument "${positionals[1]}"`, 'plugin verify');
  const path = resolve(io.cwd, positionals[0] ?? '.');
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new CliError(`no plugin folder or tarball at ${path}`);
  const files = await readPublishedFiles({ kind: info.isDirectory() ? 'folder' : 'tarball', path }, io.env);
  const { folder: trustFolder, isExplicit } = await trustStoreFolder(io, values);
  const store = await readTrustStore(trustFolder);
  const manifest = JSON.parse(files.get('package.json')?.toString('utf8') ?? '{}') as { name?: unknown; version?: unknown };
  const verdict = judge(files, { name: String(manifest.name), version: String(manifest.version) }, store.keys);
  const hasStore = isExplicit || store.keys.size > 0;
  const isOk = verdict.status === 'trusted' || (verdict.status === 'untrusted' && !hasStore);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ ok: isOk, package: `${String(manifest.name)}@${String(manifest.version)}`, trustStore: trustFolder, ...verdict, problems: store.problems }, null, 2)}\n`);
    return isOk ? 0 : 1;
  }
  const style = createStyle(io);
  const what = `${String(manifest.name)}@${String(manifest.version)}`;
  for (const problem of store.problems) io.stderr.write(`warning: trust store: ${problem}\n`);
  switch (verdict.status) {
    case 'trusted':
      io.stdout.write(`${style.green('✓')} ${what}: signed by ${verdict.fingerprint}, trusted (${verdict.keyFile}); ${files.size - 1} files match\n`);
      return 0;
    case 'untrusted':
      if (!hasStore) {
        io.stdout.write(`${style.green('✓')} ${what}: a valid signature by ${verdict.fingerprint}; ${files.size - 1} files match (no trust store to check the key against: operators trust it with \`acai plugin trust add\`)\n`);
        return 0;
      }
      throw new CliError(`${what} is signed by ${verdict.fingerprint}, which is not in the trust store ${trustFolder} (trust it with \`acai plugin trust add <key.pub>\` after checking the fingerprint with its author)`);
    case 'invalid':
      throw new CliError(`${what}: the signature${verdict.fingerprint === undefined ? '' : ` by ${verdict.fingerprint}`} is invalid: ${verdict.reason}`);
    case 'unsigned':
      throw new CliError(`${what} is not signed (no ${SIGNATURE_FILE_NAME}; sign it with \`acai plugin sign\`)`);
  }
}

/** The verdict on published files (exactly these files, none missing, none added). */
function judge(files: ReadonlyMap<string, Buffer>, pkg: { name: string; version: string }, trusted: Parameters<typeof judgeSignature>[3]): SignatureVerdict {
  const signatureFile = files.get(SIGNATURE_FILE_NAME);
  if (signatureFile === undefined) return { status: 'unsigned' };
  let document;
  try {
    document = parseSignature(signatureFile.toString('utf8'));
  } catch (error) {
    return { status: 'invalid', reason: (error as Error).message };
  }
  const digests = new Map([...files].filter(([path]) => path !== SIGNATURE_FILE_NAME).map(([path, bytes]) => [path, fileDigest(bytes)]));
  return judgeSignature(document, pkg, digests, trusted);
}
