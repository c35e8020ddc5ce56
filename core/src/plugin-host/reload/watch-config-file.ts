import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** Options of {@link watchConfigFile}. */
export interface WatchConfigFileOptions {
  /** Quiet period after the last change before `onChange` runs (editors write in several steps). Default 300 ms. */
  readonly debounceMs?: number;
  /** Called with watcher errors (the watch keeps going where it can). */
  readonly onError?: (error: Error) => void;
}

/** A running file watch; `close()` stops it. */
export interface ConfigFileWatch {
  close(): void;
}

/**
 * Calls `onChange` once per burst of changes to one file. Watches the file's directory rather than
 * the file, because editors and deploy tools replace files by rename, which ends a watch on the old inode.
 */
export function watchConfigFile(path: string, onChange: () => void, options: WatchConfigFileOptions = {}): ConfigFileWatch {
  const debounceMs = options.debounceMs ?? 300;
  const fileName = basename(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
    if (changed !== null && changed.toString() !== fileName) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (error) => options.onError?.(error));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
