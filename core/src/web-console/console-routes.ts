import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONSOLE_SECURITY_HEADERS } from './console-security-headers.js';
import { etagMatches, type StaticFile } from './static-file-index.js';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';

/** Options for {@link registerConsoleRoutes}. */
export interface ConsoleRoutesOptions {
  /** The built console (`indexStaticFiles` of its dist folder), or undefined when it was not built. */
  readonly files: ReadonlyMap<string, StaticFile> | undefined;
}

/** What `/console` answers on a host whose console was never built. */
export const CONSOLE_NOT_BUILT_MESSAGE =
  'The Acai web console is not built on this host.\n' +
  'Build it in the repository with `npm run build` (or only the console: `npm run build:console`) and restart the host;\n' +
  '`npm start` does both.\n';

// Client-side routes look like `chat/665f…` or `plugins`; anything else that is not a built file
// (dots, encoded bytes, traversal attempts) is a plain 404 rather than the app shell.
const CLIENT_ROUTE = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\/?$/;
const READ_METHODS = ['GET', 'HEAD'] as const;
const OTHER_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Serves the built web console from memory: `/console` and client-side routes under it get
 * index.html (revalidated every time), hashed assets are cached for a year, `If-None-Match` gets 304,
 * and every answer carries the console's security headers (CSP without inline code, nosniff,
 * no referrer). The console itself is public; its data calls carry the user's API key.
 */
export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): void {
  const { files } = options;
  const shell = files?.get('index.html');

  const serve = (request: FastifyRequest, reply: FastifyReply, relativePath: string) => {
    reply.headers(CONSOLE_SECURITY_HEADERS);
    if (files === undefined || shell === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(CONSOLE_NOT_BUILT_MESSAGE);
    }
    const file = relativePath === '' ? shell : (files.get(relativePath) ?? (isClientRoute(relativePath) ? shell : undefined));
    if (file === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('Not found\n');
    }
    reply.header('etag', file.etag).header('cache-control', file.cacheControl);
    if (etagMatches(request.headers['if-none-match'], file.etag)) return reply.code(304).send();
    return reply.code(200).type(file.contentType).send(file.body);
  };

  app.route({ method: [...READ_METHODS], url: CONSOLE_PATH, handler: (request, reply) => serve(request, reply, '') });
  app.route<{ Params: { '*': string } }>({
    method: [...READ_METHODS],
    url: `${CONSOLE_PATH}/*`,
    handler: (request, reply) => serve(request, reply, request.params['*']),
  });
  const refuse = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.headers(CONSOLE_SECURITY_HEADERS).code(405).header('allow', READ_METHODS.join(', ')).type('text/plain; charset=utf-8').send('Method not allowed\n');
  // Refused in onRequest, before any body is read or parsed.
  app.route({ method: [...OTHER_METHODS], url: CONSOLE_PATH, onRequest: refuse, handler: refuse });
  app.route({ method: [...OTHER_METHODS], url: `${CONSOLE_PATH}/*`, onRequest: refuse, handler: refuse });
}

function isClientRoute(relativePath: string): boolean {
  return !relativePath.startsWith('assets/') && CLIENT_ROUTE.test(relativePath);
}
