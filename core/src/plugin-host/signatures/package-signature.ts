import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { fingerprintOf, publicKeyFromRaw, rawPublicKey } from './signing-key.js';

/** The file `acai plugin sign` writes into a package (it must be listed in `files` to be published). */
export const SIGNATURE_FILE_NAME = 'acai-signature.json';
const FORMAT = 'acai-signature/1' as const;
/** Bounds on a signature file: it is read before anything else of an untrusted package. */
const MAX_SIGNED_FILES = 20_000;
export const MAX_SIGNATURE_FILE_BYTES = 4 * 1024 * 1024;

/**
 * A package signature: the package's name and version and the SHA-512 of every published file
 * (except this one), signed with the author's Ed25519 key. The signature travels inside the npm
 * package, so it reaches the host through any registry, mirror or tarball unchanged.
 */
export interface PackageSignature {
  readonly format: typeof FORMAT;
  readonly package: { readonly name: string; readonly version: string };
  /** Path (`/`-separated, relative to the package root) → base64 SHA-512 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
  readonly signer: {
    readonly algorithm: 'ed25519';
    /** The raw 32-byte public key, base64. */
    readonly publicKey: string;
    readonly fingerprint: string;
  };
  /** Base64 Ed25519 signature over {@link signedBytes}. */
  readonly signature: string;
}

/** What a package's signature says about it. */
export type SignatureVerdict =
  | { readonly status: 'unsigned' }
  | { readonly status: 'invalid'; readonly reason: string; readonly fingerprint?: string }
  | { readonly status: 'untrusted'; readonly fingerprint: string }
  | { readonly status: 'trusted'; readonly fingerprint: string; readonly keyFile: string };

/** Trusted keys by fingerprint (see trust-store.ts). */
export type TrustedKeys = ReadonlyMap<string, { readonly key: KeyObject; readonly file: string }>;

/** Base64 SHA-512 of a file's bytes, as signatures record it. */
export function fileDigest(bytes: Buffer): string {
  return createHash('sha512').update(bytes).digest('base64');
}

/** The exact bytes the signature covers: a JSON array in a fixed order, so no key ordering is involved. */
export function signedBytes(document: Omit<PackageSignature, 'signature'>): Buffer {
  const files = Object.entries(document.files).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return Buffer.from(JSON.stringify([document.format, document.package.name, document.package.version, files, document.signer.algorithm, document.signer.publicKey]), 'utf8');
}

/** Signs a package's files (path → bytes; the signature file itself is left out). */
export function signPackage(pkg: { name: string; version: string }, files: ReadonlyMap<string, Buffer>, privateKey: KeyObject): PackageSignature {
  const publicKey = rawPublicKey(privateKeyToPublic(privateKey));
  const digests: Record<string, string> = {};
  for (const [path, bytes] of [...files].sort(([left], [right]) => (left < right ? -1 : 1))) {
    if (path !== SIGNATURE_FILE_NAME) digests[path] = fileDigest(bytes);
  }
  const unsigned = {
    format: FORMAT,
    package: { name: pkg.name, version: pkg.version },
    files: digests,
    signer: { algorithm: 'ed25519' as const, publicKey: publicKey.toString('base64'), fingerprint: fingerprintOf(publicKeyFromRaw(publicKey)) },
  };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), privateKey).toString('base64') };
}

function privateKeyToPublic(privateKey: KeyObject): KeyObject {
  // A private KeyObject carries its public half; JWK export of the private key includes `x`.
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('not an Ed25519 private key');
  return publicKeyFromRaw(Buffer.from(jwk.x, 'base64url'));
}

/** Parses a signature file strictly; the error says what is wrong (the package is then refused as invalid). */
export function parseSignature(text: string): PackageSignature {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${SIGNATURE_FILE_NAME} is not JSON (${(error as Error).message})`);
  }
  const document = value as Partial<PackageSignature> | null;
  const isString = (candidate: unknown, max = 4096): candidate is string => typeof candidate === 'string' && candidate.length > 0 && candidate.length <= max;
  if (typeof document !== 'object' || document === null || document.format !== FORMAT) throw new Error(`${SIGNATURE_FILE_NAME} is not an ${FORMAT} document`);
  if (!isString(document.package?.name, 214) || !isString(document.package?.version, 256)) throw new Error(`${SIGNATURE_FILE_NAME} names no package`);
  const signer = document.signer;
  if (signer?.algorithm !== 'ed25519' || !isString(signer.publicKey, 64) || !isString(signer.fingerprint, 128)) throw new Error(`${SIGNATURE_FILE_NAME} has no Ed25519 signer`);
  if (!isString(document.signature, 256)) throw new Error(`${SIGNATURE_FILE_NAME} has no signature`);
  const files = document.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw new Error(`${SIGNATURE_FILE_NAME} lists no files`);
  const entries = Object.entries(files);
  if (entries.length > MAX_SIGNED_FILES) throw new Error(`${SIGNATURE_FILE_NAME} lists more than ${MAX_SIGNED_FILES} files`);
  for (const [path, digest] of entries) {
    if (!isString(path, 4096) || !isString(digest, 128)) throw new Error(`${SIGNATURE_FILE_NAME} has a malformed file entry`);
    if (path.startsWith('/') || path.includes('\\') || path.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
      throw new Error(`${SIGNATURE_FILE_NAME} lists "${path.slice(0, 100)}", which is not a path inside the package`);
    }
  }
  return {
    format: FORMAT,
    package: { name: document.package!.name, version: document.package!.version },
    files: Object.fromEntries(entries),
    signer: { algorithm: 'ed25519', publicKey: signer.publicKey, fingerprint: signer.fingerprint },
    signature: document.signature,
  };
}

/**
 * Judges a package against its signature: the signature must be the signer's over exactly this
 * package (name, version, and the digests of `files`, the package's files as found, signature file
 * excluded). With `allowUnlistedFiles` (a development folder, which holds sources and tests besides
 * what it publishes) files that the signature does not list are ignored. A valid signature by a key
 * in `trusted` is `trusted`, by any other key `untrusted`.
 */
export function judgeSignature(
  document: PackageSignature,
  pkg: { name: string; version: string },
  files: ReadonlyMap<string, string>,
  trusted: TrustedKeys,
  options: { allowUnlistedFiles?: boolean } = {},
): SignatureVerdict {
  let signerKey: KeyObject;
  try {
    signerKey = publicKeyFromRaw(Buffer.from(document.signer.publicKey, 'base64'));
  } catch (error) {
    return { status: 'invalid', reason: `the signer's public key is malformed (${(error as Error).message})` };
  }
  const fingerprint = fingerprintOf(signerKey);
  if (fingerprint !== document.signer.fingerprint) return { status: 'invalid', reason: `the stated fingerprint ${document.signer.fingerprint} is not the signer key's (${fingerprint})`, fingerprint };
  if (!verify(null, signedBytes(document), signerKey, Buffer.from(document.signature, 'base64'))) {
    return { status: 'invalid', reason: 'the signature does not match the signed list (the signature file was edited)', fingerprint };
  }
  if (document.package.name !== pkg.name || document.package.version !== pkg.version) {
    return { status: 'invalid', reason: `it was signed for ${document.package.name}@${document.package.version}, not ${pkg.name}@${pkg.version}`, fingerprint };
  }
  for (const [path, digest] of Object.entries(document.files)) {
    const actual = files.get(path);
    if (actual === undefined) return { status: 'invalid', reason: `the signed file ${path} is missing`, fingerprint };
    if (actual !== digest) return { status: 'invalid', reason: `${path} was changed after signing`, fingerprint };
  }
  if (options.allowUnlistedFiles !== true) {
    const unlisted = [...files.keys()].find((path) => path !== SIGNATURE_FILE_NAME && !Object.hasOwn(document.files, path));
    if (unlisted !== undefined) return { status: 'invalid', reason: `${unlisted} is not covered by the signature (added after signing)`, fingerprint };
  }
  const trustedKey = trusted.get(fingerprint);
  if (trustedKey === undefined || !rawPublicKey(trustedKey.key).equals(rawPublicKey(signerKey))) return { status: 'untrusted', fingerprint };
  return { status: 'trusted', fingerprint, keyFile: trustedKey.file };
}
