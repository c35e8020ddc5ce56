import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The last plugins.config.json that loaded, as saved. */
export interface SavedPluginsConfig {
  /** The file's text as written (`${VAR}` references unresolved: no secret is saved). */
  readonly text: string;
  readonly savedAt: Date;
}

/** The file name inside ACAI_DATA_DIR. */
export const LAST_GOOD_FILE = 'last-good-plugins-config.json';

/**
 * The text of the last plugins.config.json that loaded, kept in the data directory so a host whose file
 * was refused can start on what it served before instead of exiting. Saved per config path: a host
 * pointed at another file never starts from this one's copy.
 */
export class LastGoodPluginsConfig {
  readonly #path: string;
  readonly #configPath: string;
  #lastSavedText: string | undefined;

  constructor(dataDir: string, configPath: string) {
    this.#path = join(dataDir, LAST_GOOD_FILE);
    this.#configPath = resolve(configPath);
  }

  /** The saved copy for this config path, or undefined (none, another path's, or unreadable). */
  async read(): Promise<SavedPluginsConfig | undefined> {
    try {
      const saved = JSON.parse(await readFile(this.#path, 'utf8')) as { configPath?: unknown; text?: unknown; savedAt?: unknown };
      if (saved.configPath !== this.#configPath || typeof saved.text !== 'string' || typeof saved.savedAt !== 'string') return undefined;
      const savedAt = new Date(saved.savedAt);
      return Number.isNaN(savedAt.getTime()) ? undefined : { text: saved.text, savedAt };
    } catch {
      return undefined;
    }
  }

  /** Saves `text` (atomically: write, then rename), unless it is what was saved last. */
  async save(text: string, now: Date = new Date()): Promise<void> {
    if (text === this.#lastSavedText) return;
    await mkdir(join(this.#path, '..'), { recursive: true });
    const staging = `${this.#path}.${process.pid}.tmp`;
    await writeFile(staging, JSON.stringify({ configPath: this.#configPath, savedAt: now.toISOString(), text }), { mode: 0o600 });
    await rename(staging, this.#path);
    this.#lastSavedText = text;
  }
}
