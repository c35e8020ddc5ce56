export { startIdleTimeoutScope } from './idle-timeout-scope.js';
export type { IdleTimeoutScope } from './idle-timeout-scope.js';
export { startTimeoutScope } from './timeout-scope.js';
export type { TimeoutScope } from './timeout-scope.js';
