/** package-lock.json (lockfileVersion 3), as far as the closure reads it. */
export interface Lockfile {
  readonly packages: Readonly<Record<string, LockEntry>>;
}

export interface LockEntry {
  readonly version?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly resolved?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}

export function resolveFrom(lockfile: Lockfile, from: string, name: string): string | undefined;
export function lockfileClosure(lockfile: Lockfile, roots: readonly string[]): string[];
