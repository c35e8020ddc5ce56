import { readlinkSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute, normalize, sep } from 'node:path';

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
 * The Kubernetes atomic writer (ConfigMap and Secret volumes) updates a mounted file by swapping the
 * `..data` symlink to a new timestamped folder: `plugins.config.json -> ..data/plugins.config.json` keeps
 * its name and never changes itself, so only an event for `..data` shows the new content.
 */
const KUBERNETES_DATA_LINK = '..data';

/**
 * The directory entries whose change can change what `path` reads: the file itself, the `..data` link of
 * a Kubernetes volume, and the first hop of a relative symlink (any atomic-writer-like layout).
 */
export function entriesThatChangeTheFile(path: string): Set<string> {
  const names = new Set([basename(path), KUBERNETES_DATA_LINK]);
  try {
    const target = readlinkSync(path);
    if (!isAbsolute(target)) {
      const firstHop = normalize(target).split(sep)[0];
      if (firstHop !== undefined && firstHop !== '' && firstHop !== '..' && firstHop !== '.') names.add(firstHop);
    }
  } catch {
    // not a symlink (or not there yet): the file name alone
  }
  return names;
}

/**
 * Calls `onChange` once per burst of changes to one file. Watches the file's directory rather than
 * the file, because editors and deploy tools replace files by rename, which ends a watch on the old
 * inode; and reacts to the swap of a Kubernetes ConfigMap's `..data` link, where the file's own name
 * never appears in an event. Callers decide from the content whether anything changed.
 */
export function watchConfigFile(path: string, onChange: () => void, options: WatchConfigFileOptions = {}): ConfigFileWatch {
  const debounceMs = options.debounceMs ?? 300;
  const names = entriesThatChangeTheFile(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
    if (changed !== null && !names.has(changed.toString())) return;
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
