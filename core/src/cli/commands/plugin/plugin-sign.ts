import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { signPackage, SIGNATURE_FILE_NAME } from '../../../plugin-host/signatures/package-signature.js';
import { readPrivateKeyPem, SigningKeyError } from '../../../plugin-host/signatures/signing-key.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { parseCommandArgs } from '../../parse-command-args.js';
import { packedFileList, readPublishedFiles } from '../../plugin-install/packed-files.js';

export const PLUGIN_SIGN_HELP = `Usage: acai plugin sign [<folder>] --key <private-key.pem>

Sign a plugin package with your Ed25519 key (\`acai plugin keygen\`): writes ${SIGNATURE_FILE_NAME}
into the folder, holding the package's name and version, the SHA-512 of every file \`npm pack\`
would publish, your public key and the signature over all of it. The file travels inside the
package through any registry; hosts whose signature policy is "required" load the package only
when the signature matches and your key is in their trust store.

Sign after building, and publish what you signed: any change to a published file afterwards
invalidates the signature (\`acai plugin verify\` tells). ${SIGNATURE_FILE_NAME} must be listed in
"files" of package.json (the scaffold lists it). <folder> defaults to the current one.

Options:
      --key <path>           the private key (PEM); env ACAI_SIGNING_KEY_FILE

Examples:
  npm run build && acai plugin sign . --key ~/.acai/signing-key.pem && acai plugin verify .
`;

export async function runPluginSign(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin sign', args, { key: { type: 'string' } });
  if (values.help) {
    io.stdout.write(PLUGIN_SIGN_HELP);
    return 0;
  }
  if (positionals.length > 1) throw usageError(`unexpected argument "${positionals[1]}"`, 'plugin sign');
  const keyFile = values.key ?? io.env.ACAI_SIGNING_KEY_FILE;
  if (keyFile === undefined) throw usageError('missing --key <private-key.pem> (or ACAI_SIGNING_KEY_FILE)', 'plugin sign');
  const folder = resolve(io.cwd, positionals[0] ?? '.');
  let packageJson: { name?: unknown; version?: unknown; scripts?: { prepack?: unknown } };
  try {
    packageJson = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as typeof packageJson;
  } catch (error) {
    throw new CliError(`${folder} has no readable package.json (${(error as Error).message}); pass a plugin package folder`);
  }
  if (typeof packageJson.name !== 'string' || typeof packageJson.version !== 'string') throw new CliError(`${folder}/package.json has no name or version`);
  let privateKey;
  try {
    privateKey = readPrivateKeyPem(await readFile(resolve(io.cwd, keyFile), 'utf8'), keyFile);
  } catch (error) {
    throw new CliError(error instanceof SigningKeyError ? error.message : `cannot read the key ${keyFile}: ${(error as Error).message}`);
  }
  const signaturePath = join(folder, SIGNATURE_FILE_NAME);
  // An old signature is not part of what is signed, and must not survive a failed signing.
  await rm(signaturePath, { force: true });
  const files = await readPublishedFiles({ kind: 'folder', path: folder }, io.env);
  files.delete(SIGNATURE_FILE_NAME);
  const signature = signPackage({ name: packageJson.name, version: packageJson.version }, files, privateKey);
  await writeFile(signaturePath, `${JSON.stringify(signature, null, 2)}\n`);
  if (!(await packedFileList(folder, io.env)).includes(SIGNATURE_FILE_NAME)) {
    await rm(signaturePath, { force: true });
    throw new CliError(`npm would not publish ${SIGNATURE_FILE_NAME}: add it to "files" in ${folder}/package.json and sign again`);
  }
  const style = createStyle(io);
  io.stdout.write(
    `${style.green('Signed')} ${packageJson.name}@${packageJson.version}: ${files.size} files, key ${signature.signer.fingerprint}\n` +
      `  wrote ${signaturePath}\n` +
      (typeof packageJson.scripts?.prepack === 'string' ? style.dim(`  npm publish runs prepack (${packageJson.scripts.prepack}) again: publish from the same sources so the build comes out identical.\n`) : ''),
  );
  return 0;
}
