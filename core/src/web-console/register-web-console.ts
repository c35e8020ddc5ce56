import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CONSOLE_PATH, registerConsoleRoutes } from './console-routes.js';
import { indexStaticFiles } from './static-file-index.js';

/** Where `npm run build:console` writes the console (core/dist/console), from this module in src/ or dist/ alike. */
export const BUILT_CONSOLE_DIRECTORY = fileURLToPath(new URL('../../dist/console/', import.meta.url));

/** Options for {@link registerWebConsole}. */
export interface WebConsoleOptions {
  /** The built console; default {@link BUILT_CONSOLE_DIRECTORY}. */
  readonly directory?: string;
  readonly logger: Logger;
}

/**
 * Reads the built console into memory once and serves it at `/console`. A host without a build still
 * starts: `/console` then explains how to build it, and a warning says so at start-up.
 */
export async function registerWebConsole(app: FastifyInstance, options: WebConsoleOptions): Promise<void> {
  const directory = options.directory ?? BUILT_CONSOLE_DIRECTORY;
  const files = await indexStaticFiles(directory, { immutablePrefix: 'assets/' });
  if (files?.has('index.html') === true) {
    options.logger.debug({ path: CONSOLE_PATH, files: files.size }, 'web console ready');
  } else {
    options.logger.warn({ directory }, 'the web console is not built (run `npm run build:console`); /console explains how to build it');
  }
  registerConsoleRoutes(app, { files });
}
