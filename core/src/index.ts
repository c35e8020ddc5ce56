// @acai/core's package entry: run the Acai host inside another Node program instead of as `acai serve`.
// The host's parts (plugin host, chat use cases, edges) are not exported one by one: they are wired only
// by buildApp, and the command line (`bin/acai.js`) is the package's main product.
export { buildApp, HOST_VERSION } from './app.js';
export type { AcaiApp, BuildAppOverrides } from './app.js';
export { loadHostConfig } from './config/env-config.js';
export type { HostConfig } from './config/env-config.js';
export { startHost } from './main.js';
export type { RunningHost, StartHostOptions } from './main.js';
