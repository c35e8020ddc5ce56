import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginEntryConfig } from '../config/plugins-config.js';
import type { SignatureSettings } from '../config/supply-chain-config.js';
import { HostError } from '../errors/index.js';
import { listPackageFiles, verifyInstalledPackage } from './integrity/package-integrity.js';
import type { ResolvedPluginPackage } from './resolve-plugin-package.js';
import { fileDigest, judgeSignature, MAX_SIGNATURE_FILE_BYTES, parseSignature, SIGNATURE_FILE_NAME, type SignatureVerdict } from './signatures/package-signature.js';
import { readTrustStore } from './signatures/trust-store.js';

/** What the integrity and signature checks learned about a package that passed them. */
export interface PackageTrust {
  /** Fingerprint of the key that signed it, when it is signed by a trusted key. */
  readonly signer?: string;
  /** Things the operator should hear about (policy `warn`, unusable trust-store files). */
  readonly warnings: readonly string[];
}

/**
 * Checks "integrity" and "signature", right after the package is resolved and before any of its code
 * or manifest is trusted: an installed release must be byte for byte the archive whose sha512 is
 * recorded in plugins.config.json (HOST_PLUGIN_INTEGRITY_MISMATCH); then the signature policy of the
 * file applies (`off`, `warn`, `required`; see {@link judgeSignature}).
 */
export async function verifyPluginPackage(entry: PluginEntryConfig, resolved: ResolvedPluginPackage, signatures: SignatureSettings | undefined, label: string): Promise<PackageTrust> {
  const named = `${label} (${resolved.description})`;
  if (entry.installed !== undefined && resolved.installedArchive !== undefined) {
    await verifyInstalledPackage({ packageDir: resolved.packageDir, tarballPath: resolved.installedArchive, integrity: entry.installed.integrity, label: named });
  }
  const policy = signatures?.policy ?? 'off';
  if (policy === 'off' || signatures === undefined) return { warnings: [] };
  const trustStore = await readTrustStore(signatures.trustedKeysDir);
  const verdict = await judgePackage(resolved.packageDir, trustStore.keys, entry.source.kind === 'path');
  const warnings = trustStore.problems.map((problem) => `trust store: ${problem}`);
  const fix = `Add the signer's public key with \`acai plugin trust add <key.pub>\` once you have checked its fingerprint with the author, or set "signatures": { "policy": "warn" } in plugins.config.json`;
  switch (verdict.status) {
    case 'trusted':
      return { signer: verdict.fingerprint, warnings };
    case 'invalid':
      throw new HostError(
        'HOST_PLUGIN_SIGNATURE_INVALID',
        `${named}: the package signature${verdict.fingerprint === undefined ? '' : ` by key ${verdict.fingerprint}`} is invalid: ${verdict.reason}. Do not run this package; reinstall it from its publisher and ask them to sign it again (\`acai plugin sign\`).`,
      );
    case 'untrusted': {
      const message = `${named}: signed by key ${verdict.fingerprint}, which is not in the trust store ${signatures.trustedKeysDir}`;
      if (policy === 'required') throw new HostError('HOST_PLUGIN_SIGNATURE_UNTRUSTED', `${message}. ${fix}.`, { meta: { fingerprint: verdict.fingerprint } });
      return { warnings: [...warnings, `${message} (signatures.policy is "warn")`] };
    }
    case 'unsigned': {
      const message = `${named}: the package is not signed (no ${SIGNATURE_FILE_NAME})`;
      if (policy === 'required') {
        throw new HostError('HOST_PLUGIN_SIGNATURE_MISSING', `${message}, and signatures.policy is "required". Ask its author to sign it (\`acai plugin sign\`), or set "signatures": { "policy": "warn" } in plugins.config.json.`);
      }
      return { warnings: [...warnings, `${message} (signatures.policy is "warn")`] };
    }
  }
}

/**
 * The signature verdict of a package folder. A development folder (`path` source) holds sources and
 * tests besides what it publishes, so only the signed files are compared there.
 */
export async function judgePackage(packageDir: string, trusted: Parameters<typeof judgeSignature>[3], isDevelopmentFolder: boolean): Promise<SignatureVerdict> {
  const signaturePath = join(packageDir, SIGNATURE_FILE_NAME);
  let text: string;
  try {
    const info = await lstat(signaturePath);
    if (!info.isFile()) return { status: 'invalid', reason: `${SIGNATURE_FILE_NAME} is not a regular file` };
    if (info.size > MAX_SIGNATURE_FILE_BYTES) return { status: 'invalid', reason: `${SIGNATURE_FILE_NAME} is larger than ${MAX_SIGNATURE_FILE_BYTES} bytes` };
    text = await readFile(signaturePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'unsigned' };
    throw error;
  }
  let document;
  try {
    document = parseSignature(text);
  } catch (error) {
    return { status: 'invalid', reason: (error as Error).message };
  }
  let pkg: { name?: unknown; version?: unknown };
  try {
    pkg = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as typeof pkg;
  } catch (error) {
    return { status: 'invalid', reason: `package.json cannot be read (${(error as Error).message})` };
  }
  const paths = isDevelopmentFolder ? Object.keys(document.files) : (await listPackageFiles(packageDir)).filter((path) => path !== SIGNATURE_FILE_NAME);
  const digests = new Map<string, string>();
  for (const path of paths) {
    try {
      const info = await lstat(join(packageDir, path));
      if (info.isFile()) digests.set(path, fileDigest(await readFile(join(packageDir, path))));
      else digests.set(path, 'not a regular file');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return judgeSignature(document, { name: String(pkg.name), version: String(pkg.version) }, digests, trusted, { allowUnlistedFiles: isDevelopmentFolder });
}
