export { SessionResolver } from './session-resolver.js';
export type { SessionFallbackReason, SessionResolution, SessionResolverOptions, SessionSource } from './session-resolver.js';
export { sessionKey } from './session-key.js';
