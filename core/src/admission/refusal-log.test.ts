import { describe, expect, it } from 'vitest';
import { createRefusalLog } from './refusal-log.js';

describe('createRefusalLog', () => {
  it('writes the first refusal at once, then one line per interval with the counts by reason since the last line', () => {
    let now = 0;
    const lines: Array<Record<string, unknown>> = [];
    const log = createRefusalLog({ warn: (fields) => lines.push(fields) }, 1000, () => now);
    const gate = { inFlight: 16, queued: 4, limit: 16 };
    log.note('queue_full', gate);
    for (let index = 0; index < 500; index += 1) log.note('queue_full', gate);
    now = 400;
    for (let index = 0; index < 7; index += 1) log.note('queue_timeout', gate);
    expect(lines).toEqual([{ reason: 'queue_full', refused: 1, queueFull: 1, queueTimeout: 0, inFlight: 16, queued: 4, limit: 16 }]);
    now = 1000;
    log.note('queue_timeout', { inFlight: 12, queued: 0, limit: 12 });
    expect(lines[1]).toEqual({ reason: 'queue_timeout', refused: 508, queueFull: 500, queueTimeout: 8, inFlight: 12, queued: 0, limit: 12 });
    now = 5000;
    log.note('queue_full', gate);
    expect(lines[2]).toMatchObject({ refused: 1, queueFull: 1, queueTimeout: 0 });
  });
});
