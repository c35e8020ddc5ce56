import { setFlagsFromString } from 'node:v8';

// Why: V8 starts the next full GC when the old generation reaches (what survived the last one) × a
// growing factor. Its factor adapts to how fast GC runs against how fast the program allocates, between
// 1.1 and (with the default heap limit) 4: the host keeps ~65 MB alive, so its heap may swell by
// ~200 MB of garbage before a full GC, and a busy or CPU-starved machine (GC slower against
// allocation) drives the factor to that maximum. bench:capacity measured the RSS of one and the same
// build at 245–278 MB on a quiet machine and 349–465 MB on a loaded one, heap after GC flat at 65–71 MB.
// A fixed factor keeps the RSS where the live heap says, whatever the machine's load and size.
//
// This is no cap: the heap limit stays V8's own (a quarter of the memory available, up to 4 GB), so a
// live heap that really grows is never cut short; GC only runs sooner. V8 reads the flag each time it
// sets the next limit, so setting it at start applies to every way the host is launched (npm start,
// the container's CMD, `acai serve`, startHost) without a command-line flag.

/**
 * Fixes the growing factor of V8's old generation at 1 + percent/100 (0 leaves V8's adaptive factor).
 * Process-wide; worker threads have their own heaps and limits.
 */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a whole percentage ≥ 0, got ${percent}`);
  // V8 treats 0 as "not set": its own policy again (relevant when one process starts hosts with different settings, e.g. tests).
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
