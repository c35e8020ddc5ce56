export { startTimeoutScope } from './timeout-scope.js';
export type { TimeoutScope } from './timeout-scope.js';
