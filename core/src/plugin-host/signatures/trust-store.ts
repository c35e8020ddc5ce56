import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrustedKeys } from './package-signature.js';
import { fingerprintOf, readPublicKeyPem } from './signing-key.js';

/** The trusted keys of a trust store and the files in it that could not be used. */
export interface TrustStore {
  readonly keys: TrustedKeys;
  /** One line per unusable file (`…/bob.pub: holds a rsa key; …`), for a warning. */
  readonly problems: readonly string[];
}

const MAX_KEY_FILE_BYTES = 16 * 1024;

/**
 * Reads an operator's trust store: every `*.pub` file in the folder is one Ed25519 public key in PEM
 * (as `acai plugin keygen` writes it and `acai plugin trust add` copies it). A missing folder is an
 * empty store; a file that is not such a key is reported and skipped, never trusted.
 */
export async function readTrustStore(directory: string): Promise<TrustStore> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.pub')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { keys: new Map(), problems: [] };
    return { keys: new Map(), problems: [`${directory}: the trust store cannot be read (${(error as Error).message})`] };
  }
  const keys = new Map<string, { key: ReturnType<typeof readPublicKeyPem>; file: string }>();
  const problems: string[] = [];
  for (const name of names) {
    const file = join(directory, name);
    try {
      const text = await readFile(file, 'utf8');
      if (text.length > MAX_KEY_FILE_BYTES) throw new Error(`${file} is larger than a public key`);
      const key = readPublicKeyPem(text, file);
      keys.set(fingerprintOf(key), { key, file });
    } catch (error) {
      const message = (error as Error).message;
      problems.push(message.includes(file) ? message : `${file}: ${message}`);
    }
  }
  return { keys, problems };
}
