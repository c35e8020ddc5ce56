// @acai/plugin-sdk/testing: test plugins without a host. Anything exported here is public API.
export { createHarness } from './create-harness.js';
export type { Harness, HarnessCallResult, HarnessLogLine, HarnessOptions, HarnessRequest, HarnessRoute, HarnessRouteResponse } from './create-harness.js';
export { createFakeClock } from '../host/clocks.js';
export type { FakeClock } from '../host/clocks.js';
export { MemoryToolCache } from '../host/memory-tool-cache.js';
