import { ChatView } from './chat-view.js';
import { consoleRoutePath, parseConsoleRoute, type ConsoleRoute } from './console-route.js';
import { describeError } from './describe-error.js';
import { element, replaceChildren } from './dom.js';
import { AuditView } from './audit-view.js';
import { fetchWhoami, HostApiError, signIn, type HostConnection } from './host-api.js';
import { MetricsView } from './metrics-view.js';
import { PluginsView } from './plugins-view.js';
import { clearSessionKey, readSessionKey, storeSessionKey } from './session-key.js';
import { signInView } from './sign-in-view.js';
import type { View } from './view.js';
import type { Whoami } from './wire-types.js';

type Page = 'chat' | 'plugins' | 'metrics' | 'audit';

const PAGES: readonly { readonly page: Page; readonly label: string; readonly scopes: readonly string[] }[] = [
  { page: 'chat', label: 'Chat', scopes: ['chat'] },
  { page: 'plugins', label: 'Plugins', scopes: ['admin'] },
  { page: 'metrics', label: 'Metrics', scopes: ['admin', 'metrics'] },
  { page: 'audit', label: 'Audit', scopes: ['admin'] },
];

/** Boots the console into `root`: signs in (or finds it needs no key) and shows the page in the address bar. */
export async function startConsole(root: HTMLElement): Promise<void> {
  await new ConsoleApp(root).start();
}

/**
 * The application shell: identity, navigation by path (history API; the host serves the app for
 * every console path), and one page at a time. The chat page is kept while other pages show, so a
 * reply keeps streaming when the user glances at the plugins.
 */
class ConsoleApp {
  readonly #root: HTMLElement;
  readonly #announcer: HTMLElement;
  #connection: HostConnection = { baseUrl: '', apiKey: undefined };
  #identity: Whoami | undefined;
  #main: HTMLElement | undefined;
  #navigation = new Map<Page, HTMLAnchorElement>();
  #view: View | undefined;
  #chatView: ChatView | undefined;
  #isListening = false;

  constructor(root: HTMLElement) {
    this.#root = root;
    this.#announcer = element('div', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
  }

  async start(): Promise<void> {
    replaceChildren(this.#root, element('main', { id: 'main', class: 'splash', 'aria-busy': 'true' }, element('p', { class: 'muted' }, 'Connecting to the host…')));
    const key = readSessionKey();
    try {
      this.#enter(await fetchWhoami({ baseUrl: '', apiKey: key }), key);
    } catch (error) {
      if (error instanceof HostApiError && error.code === 'unauthenticated') {
        if (key !== undefined) clearSessionKey();
        this.#showSignIn(key === undefined ? undefined : 'The host no longer accepts the key of this session. Sign in again.');
        return;
      }
      this.#showFailure(describeError(error));
    }
  }

  #showSignIn(notice?: string): void {
    document.title = 'Sign in · Acai console';
    replaceChildren(this.#root, signInView({ signIn: (key) => this.#signIn(key), ...(notice === undefined ? {} : { notice }) }), this.#announcer);
  }

  async #signIn(key: string): Promise<string | undefined> {
    try {
      // A sign-in, not only a question: the host records it when the key has the admin scope.
      const identity = await signIn({ baseUrl: '', apiKey: key });
      if (!PAGES.some((page) => allows(identity, page.scopes))) return 'The host accepted this key, but it has none of the scopes the console uses (chat, admin, metrics).';
      storeSessionKey(key);
      this.#enter(identity, key);
      return undefined;
    } catch (error) {
      return describeError(error);
    }
  }

  #showFailure(message: string): void {
    const retry = element('button', { type: 'button', class: 'button' }, 'Try again');
    retry.addEventListener('click', () => void this.start());
    replaceChildren(this.#root, element('main', { id: 'main', class: 'splash' }, element('p', { class: 'alert', role: 'alert' }, message), retry));
  }

  #enter(identity: Whoami, key: string | undefined): void {
    this.#identity = identity;
    this.#connection = { baseUrl: '', apiKey: key };
    this.#main = element('main', { id: 'main', class: 'page-frame', tabindex: '-1' });
    this.#navigation = new Map(
      PAGES.filter((page) => allows(identity, page.scopes)).map((page) => [page.page, element('a', { href: consoleRoutePath({ page: page.page }), class: 'nav-link' }, page.label)]),
    );
    const signOut = element('button', { type: 'button', class: 'button-quiet' }, 'Sign out');
    signOut.addEventListener('click', () => this.#signOut());
    const badge = identity.source === 'api_key' ? null : element('span', { class: 'badge badge--warning' }, identity.source === 'auth_disabled' ? 'auth disabled' : 'trusted network');
    replaceChildren(
      this.#root,
      element('a', { class: 'skip-link', href: '#main' }, 'Skip to content'),
      element(
        'header',
        { class: 'topbar' },
        element('a', { class: 'brand', href: consoleRoutePath({ page: 'chat' }) }, 'Acai', element('span', { class: 'brand-suffix' }, 'console')),
        element('nav', { class: 'main-nav', 'aria-label': 'Console' }, ...this.#navigation.values()),
        element(
          'div',
          { class: 'identity' },
          badge,
          element('span', { class: 'identity-tenant', title: identity.key_id ? `key ${identity.key_id}` : '' }, `tenant ${identity.tenant_id}`),
          element('span', { class: 'identity-scopes muted' }, identity.scopes.join(' · ')),
          key === undefined ? null : signOut,
        ),
      ),
      this.#main,
      this.#announcer,
    );
    this.#listenOnce();
    this.#render(parseConsoleRoute(window.location.pathname));
  }

  #listenOnce(): void {
    if (this.#isListening) return;
    this.#isListening = true;
    window.addEventListener('popstate', () => {
      if (this.#identity !== undefined) this.#render(parseConsoleRoute(window.location.pathname));
    });
    // Console links navigate in place; modified clicks (new tab) and other links behave normally.
    document.addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a[href]');
      if (!(anchor instanceof HTMLAnchorElement) || anchor.target !== '' || anchor.origin !== window.location.origin) return;
      const route = parseConsoleRoute(anchor.pathname);
      if (route.page === 'not_found' || this.#identity === undefined) return;
      event.preventDefault();
      this.navigate(route);
    });
  }

  navigate(route: ConsoleRoute, options: { replace?: boolean; render?: boolean } = {}): void {
    const path = consoleRoutePath(route);
    if (options.replace === true) window.history.replaceState(null, '', path);
    else if (window.location.pathname !== path) window.history.pushState(null, '', path);
    if (options.render !== false) this.#render(route);
  }

  #render(route: ConsoleRoute): void {
    const identity = this.#identity;
    const main = this.#main;
    if (identity === undefined || main === undefined) return;
    const allowedPages = PAGES.filter((page) => allows(identity, page.scopes));
    if (route.page !== 'not_found' && !allowedPages.some((page) => page.page === route.page)) {
      const fallback = allowedPages[0]!.page;
      // The home page of a key without the chat scope is the first page it may see.
      if (route.page === 'chat' && route.conversationId === undefined) return this.navigate({ page: fallback }, { replace: true });
      return this.#show(undefined, `${route.page}`, forbiddenPage(route.page, PAGES.find((page) => page.page === route.page)!.scopes));
    }
    if (route.page === 'not_found') return this.#show(undefined, 'Not found', notFoundPage());

    if (route.page === 'chat') {
      this.#chatView ??= new ChatView({ connection: this.#connection, navigate: (next, options) => this.navigate(next, options), announce: (text) => this.#announce(text) });
      this.#show('chat', 'Chat', this.#chatView);
      void this.#chatView.open(route.conversationId);
      return;
    }
    const view =
      route.page === 'plugins'
        ? new PluginsView({ connection: this.#connection, announce: (text) => this.#announce(text) })
        : route.page === 'audit'
          ? new AuditView({ connection: this.#connection, identity })
          : new MetricsView({ connection: this.#connection });
    this.#show(route.page, PAGES.find((page) => page.page === route.page)!.label, view);
    // Focus follows navigation (and leaves the sign-in form that just disappeared).
    view.element.querySelector<HTMLElement>('h1')?.focus();
  }

  /** Mounts a page; `view` undefined for static pages. Other pages are disposed; the chat page is kept. */
  #show(page: Page | undefined, title: string, content: View | HTMLElement): void {
    const main = this.#main!;
    const view = content instanceof HTMLElement ? undefined : content;
    if (this.#view !== undefined && this.#view !== view && this.#view !== this.#chatView) this.#view.dispose();
    this.#view = view;
    const node = view === undefined ? (content as HTMLElement) : view.element;
    if (main.firstChild !== node) replaceChildren(main, node);
    for (const [name, link] of this.#navigation) {
      if (name === page) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${title} · Acai console`;
  }

  #signOut(): void {
    this.#chatView?.dispose();
    this.#view?.dispose();
    this.#chatView = undefined;
    this.#view = undefined;
    this.#identity = undefined;
    clearSessionKey();
    window.history.replaceState(null, '', consoleRoutePath({ page: 'chat' }));
    this.#showSignIn('Signed out. The key was removed from this tab.');
  }

  #announce(text: string): void {
    this.#announcer.textContent = '';
    window.setTimeout(() => (this.#announcer.textContent = text), 50);
  }
}

function allows(identity: Whoami, scopes: readonly string[]): boolean {
  return scopes.some((scope) => identity.scopes.includes(scope));
}

function forbiddenPage(page: string, scopes: readonly string[]): HTMLElement {
  return element(
    'section',
    { class: 'page' },
    element('h1', { tabindex: '-1' }, 'Not allowed'),
    element('p', { class: 'alert', role: 'alert' }, `The ${page} page needs an API key with the ${scopes.map((scope) => `"${scope}"`).join(' or ')} scope. Sign out and sign in with such a key.`),
  );
}

function notFoundPage(): HTMLElement {
  return element(
    'section',
    { class: 'page' },
    element('h1', { tabindex: '-1' }, 'Page not found'),
    element('p', {}, 'There is no such page in the console. ', element('a', { href: consoleRoutePath({ page: 'chat' }) }, 'Back to the start'), '.'),
  );
}
