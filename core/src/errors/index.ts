export { HostError, invalidArgument } from './host-error.js';
export type { HostErrorCode, HostErrorOptions } from './host-error.js';
export { TwirpError, TWIRP_HTTP_STATUS } from './twirp-error.js';
export type { TwirpCode } from './twirp-error.js';
export { toTwirpError } from './to-twirp-error.js';
export { requestTooLarge } from './request-too-large.js';
