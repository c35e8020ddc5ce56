import type { ConfigFileWatch } from '../plugin-host/reload/index.js';

/** Starts one watch of plugins.config.json (the plugin host's `watchConfigFile`, bound to the path and debounce). */
export type StartConfigWatch = () => ConfigFileWatch;

/**
 * The watches of plugins.config.json the app has handed out. Each can be closed on its own; the app's
 * shutdown closes whatever is still open, before the server stops, so no reload starts during the drain.
 */
export class PluginConfigWatches {
  readonly #start: StartConfigWatch;
  readonly #open = new Set<ConfigFileWatch>();

  constructor(start: StartConfigWatch) {
    this.#start = start;
  }

  watch(): ConfigFileWatch {
    const watch = this.#start();
    this.#open.add(watch);
    return {
      close: () => {
        this.#open.delete(watch);
        watch.close();
      },
    };
  }

  closeAll(): void {
    for (const watch of this.#open) watch.close();
    this.#open.clear();
  }
}
