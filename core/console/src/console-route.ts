/** Where the console lives on the host. */
export const CONSOLE_BASE = '/console';

/** The console's pages; the path is the source of truth, so reloads and links land on the same page. */
export type ConsoleRoute =
  | { readonly page: 'chat'; readonly conversationId?: string }
  | { readonly page: 'plugins' }
  | { readonly page: 'metrics' }
  | { readonly page: 'audit' }
  | { readonly page: 'not_found' };

// Conversation ids are ObjectId hex or UUIDs; the host's static handler falls back to the app only
// for paths like these, so the two rules agree.
const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads a location pathname (`/console/chat/665f…`). */
export function parseConsoleRoute(pathname: string): ConsoleRoute {
  if (pathname !== CONSOLE_BASE && !pathname.startsWith(`${CONSOLE_BASE}/`)) return { page: 'not_found' };
  const segments = pathname.slice(CONSOLE_BASE.length).split('/').filter((segment) => segment !== '');
  const [page, argument, ...rest] = segments;
  if (rest.length > 0) return { page: 'not_found' };
  if (page === undefined) return { page: 'chat' };
  if (page === 'chat') {
    if (argument === undefined) return { page: 'chat' };
    return CONVERSATION_ID.test(argument) ? { page: 'chat', conversationId: argument } : { page: 'not_found' };
  }
  if ((page === 'plugins' || page === 'metrics' || page === 'audit') && argument === undefined) return { page };
  return { page: 'not_found' };
}

/** The pathname of a route. */
export function consoleRoutePath(route: ConsoleRoute): string {
  switch (route.page) {
    case 'chat':
      return route.conversationId === undefined ? `${CONSOLE_BASE}/` : `${CONSOLE_BASE}/chat/${encodeURIComponent(route.conversationId)}`;
    case 'plugins':
    case 'metrics':
    case 'audit':
      return `${CONSOLE_BASE}/${route.page}`;
    default:
      return `${CONSOLE_BASE}/`;
  }
}
