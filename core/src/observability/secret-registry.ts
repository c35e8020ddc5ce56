import { redactUrl } from './redact-url.js';

/** Values shorter than this are not treated as secrets: scrubbing "abc" everywhere would garble logs. */
export const MIN_SECRET_LENGTH = 6;

const REPLACEMENT = '[REDACTED]';

/**
 * Secret VALUES (API keys, plugin secrets, tokens) that must never appear in output, wherever they
 * occur inside a string. Shared by the logger and anything else that writes text out (tool results).
 */
export class SecretRegistry {
  readonly #secrets = new Set<string>();

  /** Remembers a secret; returns false when the value is too short to scrub safely. */
  register(value: string | undefined): boolean {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) return false;
    this.#secrets.add(value);
    // The JSON-escaped form too, because the logger scrubs serialized lines.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.#secrets.add(escaped);
    return true;
  }

  get size(): number {
    return this.#secrets.size;
  }

  /** Replaces registered secrets and URL passwords in `text`. */
  scrub(text: string): string {
    let result = text;
    for (const secret of this.#secrets) {
      if (result.includes(secret)) result = result.split(secret).join(REPLACEMENT);
    }
    return redactUrl(result);
  }
}
