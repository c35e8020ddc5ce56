import { isAbsolute, resolve } from 'node:path';

/** Environment variables as the host received them. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed values out of the environment for the section parsers. A malformed value is recorded as a
 * problem naming the variable and the fix, and the fallback is returned so parsing carries on: the caller
 * reports every problem at once.
 */
export class EnvReader {
  readonly #env: Env;
  readonly #cwd: string;
  readonly #problems: string[] = [];

  constructor(env: Env, cwd: string) {
    this.#env = env;
    this.#cwd = cwd;
  }

  /** Every problem found so far, in the order the variables were read. */
  get problems(): readonly string[] {
    return this.#problems;
  }

  /** The trimmed value; unset and blank are both undefined. */
  text(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.#problems.push(`${name}: expected a whole number from ${min} to ${max}, got ${shown(raw)}`);
      return fallback;
    }
    return value;
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.#problems.push(`${name}: expected true or false, got ${shown(raw)}`);
    return fallback;
  }

  /** A comma-separated list, items trimmed, empty items dropped. */
  list(name: string): string[] {
    return (this.text(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  /** A URL with one of `protocols` (`'https:'`); returned as written. */
  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        this.#problems.push(`${name}: expected a ${protocols.join(' or ')} URL, got protocol "${parsed.protocol}"`);
      }
    } catch {
      this.#problems.push(`${name}: not a valid URL`);
    }
    return raw;
  }

  /** One of `choices`, matched case-insensitively. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    this.#problems.push(`${name}: expected one of ${choices.join(', ')}, got ${shown(raw)}`);
    return fallback;
  }

  /** A list of origins as browsers send them: scheme://host[:port], nothing else; others are refused one by one. */
  origins(name: string): string[] {
    return this.list(name).filter((origin) => {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      const isOrigin = parsed !== undefined && ['http:', 'https:'].includes(parsed.protocol) && parsed.origin === origin;
      if (!isOrigin) this.#problems.push(`${name}: expected origins such as https://app.example.com (scheme, host and port only), got ${shown(origin)}`);
      return isOrigin;
    });
  }

  /** A file path variable, resolved against the working directory; unset is undefined. */
  path(name: string): string | undefined;
  /** A file path variable, resolved against the working directory; unset means `fallback`. */
  path(name: string, fallback: string): string;
  path(name: string, fallback?: string): string | undefined {
    const value = this.text(name) ?? fallback;
    if (value === undefined) return undefined;
    return isAbsolute(value) ? value : resolve(this.#cwd, value);
  }

  /**
   * A connection string checked by `problemOf` (which says what is wrong, or undefined). Host lists
   * (replica sets, Sentinel, Cluster) are not WHATWG URLs, so each store brings its own check.
   */
  connectionString(name: string, problemOf: (value: string) => string | undefined): string | undefined {
    const raw = this.text(name);
    const problem = raw === undefined ? undefined : problemOf(raw);
    if (problem !== undefined) this.#problems.push(`${name}: ${problem}`);
    return raw;
  }
}

/** A rejected value as messages quote it: cut short, so a huge variable cannot flood the boot error. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}
