import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { applyHeapGrowth } from './heap-growth.js';

// The growing factor is process-wide V8 state, so each setting is tried in a child process of its own:
// the same allocation pattern as a busy host (a fixed live set, plus objects that live long enough to be
// promoted and then die in the old generation), reporting how large the old generation's committed
// memory got.
const MODULE = new URL('./heap-growth.ts', import.meta.url).href;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const CHILD = `
import { getHeapSpaceStatistics } from 'node:v8';
const { applyHeapGrowth } = await import(${JSON.stringify(MODULE)});
applyHeapGrowth(Number(process.env.PERCENT));
const oldSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
const live = Array.from({ length: 60 }, () => Array.from({ length: 10_000 }, (_, j) => ({ j })));
let recent = [];
let largest = 0;
for (let round = 0; round < 2_000; round += 1) {
  recent.push(Array.from({ length: 2_000 }, (_, j) => ({ j, text: 't' + j })));
  if (recent.length > 200) recent = recent.slice(100);
  if (round % 5 === 0) largest = Math.max(largest, oldSpace().physical_space_size);
}
process.stdout.write(JSON.stringify({ largestMb: largest / 1048576, live: live.length }));
`;

async function largestOldGenerationMb(percent: number): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', PERCENT: String(percent) },
  });
  return (JSON.parse(stdout) as { largestMb: number }).largestMb;
}

describe('applyHeapGrowth', () => {
  it('keeps the old generation near what is alive instead of letting V8 grow it up to 4x between full GCs', async () => {
    const [adaptive, fixed] = await Promise.all([largestOldGenerationMb(0), largestOldGenerationMb(10)]);
    // Alive at any time: ~26 MB of fixed objects and up to ~20 MB of recent ones; V8's own factor reached ~4 here.
    expect(adaptive).toBeGreaterThan(150);
    expect(fixed).toBeLessThan(adaptive * 0.7);
  }, 60_000);

  it('refuses a negative or fractional percentage', () => {
    expect(() => applyHeapGrowth(-1)).toThrow(RangeError);
    expect(() => applyHeapGrowth(12.5)).toThrow(RangeError);
    expect(() => applyHeapGrowth(Number.NaN)).toThrow(RangeError);
  });
});
