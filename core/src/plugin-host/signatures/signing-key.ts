import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** A new author key pair, both halves PEM-encoded. */
export interface SigningKeyPair {
  /** PKCS#8 PEM; keep it secret (the file is written with mode 0600). */
  readonly privateKeyPem: string;
  /** SPKI PEM; share it with operators for their trust store. */
  readonly publicKeyPem: string;
  readonly fingerprint: string;
}

/** Why a key could not be used; the message names the file and what is wrong. */
export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** A fresh Ed25519 key pair (node:crypto). */
export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(publicKey),
  };
}

/**
 * The key's fingerprint, `SHA256:` and the unpadded base64 of the SHA-256 of its raw 32 bytes (the
 * form OpenSSH prints), which operators compare when they decide whom to trust.
 */
export function fingerprintOf(publicKey: KeyObject): string {
  return `SHA256:${createHash('sha256').update(rawPublicKey(publicKey)).digest('base64').replace(/=+$/, '')}`;
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new SigningKeyError('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url');
}

/** An Ed25519 public key from its raw 32 bytes (as a signature file carries it). */
export function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new SigningKeyError(`an Ed25519 public key has 32 bytes, not ${raw.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Reads an Ed25519 public key from PEM (SPKI); `source` names the file in messages. */
export function readPublicKeyPem(pem: string, source: string): KeyObject {
  return readEd25519Pem(pem, source, 'public');
}

/** Reads an Ed25519 private key from PEM (PKCS#8); `source` names the file in messages. */
export function readPrivateKeyPem(pem: string, source: string): KeyObject {
  return readEd25519Pem(pem, source, 'private');
}

function readEd25519Pem(pem: string, source: string, kind: 'public' | 'private'): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyError(`${source} is not a PEM ${kind} key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${source} holds a ${key.asymmetricKeyType ?? 'unknown'} key; acai signatures use Ed25519 (\`acai plugin keygen\`)`);
  return key;
}
