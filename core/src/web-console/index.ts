export { registerWebConsole, BUILT_CONSOLE_DIRECTORY } from './register-web-console.js';
export type { WebConsoleOptions } from './register-web-console.js';
export { registerConsoleRoutes, CONSOLE_PATH, CONSOLE_NOT_BUILT_MESSAGE } from './console-routes.js';
export type { ConsoleRoutesOptions } from './console-routes.js';
export { CONSOLE_CONTENT_SECURITY_POLICY, CONSOLE_SECURITY_HEADERS } from './console-security-headers.js';
export { indexStaticFiles, etagMatches, contentTypeOf } from './static-file-index.js';
export type { StaticFile, StaticFileIndexOptions } from './static-file-index.js';
