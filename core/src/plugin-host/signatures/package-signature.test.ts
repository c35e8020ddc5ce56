import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileDigest, judgeSignature, parseSignature, signPackage, SIGNATURE_FILE_NAME, type PackageSignature, type TrustedKeys } from './package-signature.js';
import { fingerprintOf, generateSigningKeyPair, readPrivateKeyPem, readPublicKeyPem } from './signing-key.js';
import { readTrustStore } from './trust-store.js';

const pkg = { name: 'acai-plugin-digits', version: '1.0.0' };
const files = new Map([
  ['package.json', Buffer.from('{"name":"acai-plugin-digits","version":"1.0.0"}')],
  ['dist/index.js', Buffer.from('export default {};\n')],
]);
const digests = (source: ReadonlyMap<string, Buffer>) => new Map([...source].map(([path, bytes]) => [path, fileDigest(bytes)]));

const author = generateSigningKeyPair();
const authorKey = readPrivateKeyPem(author.privateKeyPem, 'author.pem');
const trusted: TrustedKeys = new Map([[author.fingerprint, { key: readPublicKeyPem(author.publicKeyPem, 'author.pub'), file: '/keys/author.pub' }]]);

describe('package signatures', () => {
  const signature = signPackage(pkg, files, authorKey);

  it('is trusted when the files match and the signer is in the trust store', () => {
    expect(judgeSignature(signature, pkg, digests(files), trusted)).toEqual({ status: 'trusted', fingerprint: author.fingerprint, keyFile: '/keys/author.pub' });
    expect(signature.signer.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('is valid but untrusted for a signer outside the trust store', () => {
    expect(judgeSignature(signature, pkg, digests(files), new Map())).toEqual({ status: 'untrusted', fingerprint: author.fingerprint });
  });

  it('is invalid when a file changed, went missing, or was added after signing', () => {
    const changed = new Map(files).set('dist/index.js', Buffer.from('steal();'));
    expect(judgeSignature(signature, pkg, digests(changed), trusted)).toMatchObject({ status: 'invalid', reason: 'dist/index.js was changed after signing' });
    const missing = new Map(files);
    missing.delete('dist/index.js');
    expect(judgeSignature(signature, pkg, digests(missing), trusted)).toMatchObject({ status: 'invalid', reason: 'the signed file dist/index.js is missing' });
    const added = new Map(files).set('dist/extra.js', Buffer.from(''));
    expect(judgeSignature(signature, pkg, digests(added), trusted)).toMatchObject({ status: 'invalid', reason: 'dist/extra.js is not covered by the signature (added after signing)' });
    // A development folder holds sources and tests besides what it publishes.
    expect(judgeSignature(signature, pkg, digests(added), trusted, { allowUnlistedFiles: true })).toMatchObject({ status: 'trusted' });
  });

  it('is invalid for another package or version, an edited signature file, and a key that is not the stated one', () => {
    expect(judgeSignature(signature, { ...pkg, version: '1.0.1' }, digests(files), trusted)).toMatchObject({ status: 'invalid', reason: 'it was signed for acai-plugin-digits@1.0.0, not acai-plugin-digits@1.0.1' });
    const edited: PackageSignature = { ...signature, files: { ...signature.files, 'dist/index.js': fileDigest(Buffer.from('steal();')) } };
    expect(judgeSignature(edited, pkg, digests(new Map(files).set('dist/index.js', Buffer.from('steal();'))), trusted)).toMatchObject({
      status: 'invalid',
      reason: 'the signature does not match the signed list (the signature file was edited)',
    });
    const impostor = generateSigningKeyPair();
    const claimed: PackageSignature = { ...signature, signer: { ...signature.signer, fingerprint: impostor.fingerprint } };
    expect(judgeSignature(claimed, pkg, digests(files), trusted)).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/^the stated fingerprint SHA256:.* is not the signer key's/) });
  });

  it('does not trust a key whose fingerprint is in the store with other key bytes', () => {
    const other = generateSigningKeyPair();
    const confused: TrustedKeys = new Map([[author.fingerprint, { key: readPublicKeyPem(other.publicKeyPem, 'other.pub'), file: '/keys/other.pub' }]]);
    expect(judgeSignature(signature, pkg, digests(files), confused)).toEqual({ status: 'untrusted', fingerprint: author.fingerprint });
  });

  it('leaves its own file out of what it signs', () => {
    const withOld = new Map(files).set(SIGNATURE_FILE_NAME, Buffer.from('{}'));
    expect(Object.keys(signPackage(pkg, withOld, authorKey).files)).toEqual(['dist/index.js', 'package.json']);
  });
});

describe('parseSignature', () => {
  const text = JSON.stringify(signPackage(pkg, files, authorKey));

  it('round-trips a signature file', () => {
    expect(parseSignature(text)).toEqual(JSON.parse(text));
  });

  it.each([
    ['not JSON', 'nope', /is not JSON/],
    ['another format', JSON.stringify({ ...JSON.parse(text), format: 'x' }), /is not an acai-signature\/1 document/],
    ['no signer', JSON.stringify({ ...JSON.parse(text), signer: { algorithm: 'rsa' } }), /has no Ed25519 signer/],
    ['a path outside the package', JSON.stringify({ ...JSON.parse(text), files: { '../../etc/passwd': 'x' } }), /lists "..\/..\/etc\/passwd", which is not a path inside the package/],
    ['an absolute path', JSON.stringify({ ...JSON.parse(text), files: { '/etc/passwd': 'x' } }), /not a path inside the package/],
    ['an oversized digest', JSON.stringify({ ...JSON.parse(text), files: { a: 'x'.repeat(1000) } }), /malformed file entry/],
    ['no signature', JSON.stringify({ ...JSON.parse(text), signature: undefined }), /has no signature/],
  ])('refuses %s', (_case, document, message) => {
    expect(() => parseSignature(document)).toThrow(message);
  });
});

describe('signing keys and the trust store', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'acai-trust-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads the trusted keys by fingerprint and reports files that are not Ed25519 public keys', async () => {
    await writeFile(join(folder, 'author.pub'), author.publicKeyPem);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await writeFile(join(folder, 'rsa.pub'), rsa);
    await writeFile(join(folder, 'garbage.pub'), 'hello');
    await writeFile(join(folder, 'notes.txt'), 'not a key file');
    await mkdir(join(folder, 'sub.pub'));
    const store = await readTrustStore(folder);
    expect([...store.keys.keys()]).toEqual([author.fingerprint]);
    expect(fingerprintOf(store.keys.get(author.fingerprint)!.key)).toBe(author.fingerprint);
    expect(store.problems).toEqual([
      expect.stringMatching(/garbage\.pub is not a PEM public key/),
      expect.stringMatching(/rsa\.pub holds a rsa key; acai signatures use Ed25519/),
      expect.stringMatching(/sub\.pub/),
    ]);
  });

  it('treats a missing trust store as empty', async () => {
    expect(await readTrustStore(join(folder, 'missing'))).toEqual({ keys: new Map(), problems: [] });
  });

  it('refuses a private key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => readPrivateKeyPem(rsa, 'rsa.pem')).toThrow(/rsa\.pem holds a rsa key/);
    expect(() => readPrivateKeyPem('nope', 'x.pem')).toThrow(/x\.pem is not a PEM private key/);
  });
});
