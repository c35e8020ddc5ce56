// @acai/plugin-sdk/testing: test plugins without a host. Anything exported here is public API.
export { createHarness } from './create-harness.js';
export type { Harness, HarnessCallResult, HarnessLogLine, HarnessOptions, HarnessRequest, HarnessRoute, HarnessRouteResponse } from './create-harness.js';
export { createFakeClock, MemoryToolCache } from '../host/index.js';
export type { FakeClock } from '../host/index.js';
