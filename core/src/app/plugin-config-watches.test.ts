import { describe, expect, it } from 'vitest';
import { PluginConfigWatches } from './plugin-config-watches.js';

function recordingWatches() {
  let started = 0;
  let closed = 0;
  const watches = new PluginConfigWatches(() => {
    started += 1;
    return { close: () => void (closed += 1) };
  });
  return { watches, counts: () => ({ started, closed }) };
}

describe('PluginConfigWatches', () => {
  it('closes every watch still open at shutdown, once', () => {
    const { watches, counts } = recordingWatches();
    watches.watch();
    watches.watch();
    watches.closeAll();
    watches.closeAll();
    expect(counts()).toEqual({ started: 2, closed: 2 });
  });

  it('forgets a watch closed by its owner, so shutdown does not close it again', () => {
    const { watches, counts } = recordingWatches();
    const first = watches.watch();
    watches.watch();
    first.close();
    watches.closeAll();
    expect(counts()).toEqual({ started: 2, closed: 2 });
  });
});
