import { consoleRoutePath } from './console-route.js';
import { describeError } from './describe-error.js';
import { element, replaceChildren } from './dom.js';
import { formatRelativeTime } from './format.js';
import { chatApi, type HostConnection } from './host-api.js';
import type { Conversation } from './wire-types.js';

/** How many conversations one "load more" fetches. */
export const CONVERSATION_PAGE_SIZE = 20;

interface ListedConversation {
  readonly id: string;
  title: string;
  timestamp: string | undefined;
}

/** How long typing pauses before a search is sent. */
const SEARCH_DELAY_MS = 250;

/**
 * The sidebar list of the tenant's conversations, newest first, paged with ListConversations'
 * page tokens ("Load more"), or — with text in the search box — the conversations whose title or
 * messages contain it. Entries are links, so opening one is ordinary navigation.
 */
export class ConversationList {
  readonly element: HTMLElement;
  readonly #connection: HostConnection;
  readonly #list: HTMLUListElement;
  readonly #moreButton: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #search: HTMLInputElement;
  #conversations: ListedConversation[] = [];
  #nextPageToken: string | undefined;
  #activeId: string | undefined;
  #isLoading = false;
  #query = '';
  #searchTimer: number | undefined;
  // Every load gets a number; an answer to an older one (a search typed over) is dropped.
  #loadCount = 0;

  constructor(connection: HostConnection) {
    this.#connection = connection;
    this.#list = element('ul', { class: 'conversation-items', 'aria-label': 'Conversations' });
    this.#status = element('p', { class: 'conversation-status muted', role: 'status' });
    this.#moreButton = element('button', { type: 'button', class: 'button-quiet conversation-more', hidden: true }, 'Load more');
    this.#moreButton.addEventListener('click', () => void this.loadMore());
    this.#search = element('input', {
      type: 'search',
      id: 'conversation-search',
      class: 'conversation-search',
      placeholder: 'Search conversations',
      maxlength: 200,
      autocomplete: 'off',
    });
    this.#search.addEventListener('input', () => this.#scheduleSearch());
    this.#search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this.#searchNow();
      }
    });
    const searchForm = element(
      'form',
      { class: 'conversation-search-form', role: 'search', 'aria-label': 'Search conversations' },
      element('label', { class: 'visually-hidden', for: 'conversation-search' }, 'Search conversations'),
      this.#search,
    );
    searchForm.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#searchNow();
    });
    this.element = element(
      'nav',
      { class: 'conversation-list', 'aria-label': 'Conversation history' },
      element('a', { class: 'button new-chat', href: consoleRoutePath({ page: 'chat' }) }, '+ New chat'),
      searchForm,
      element('h2', { class: 'sidebar-heading' }, 'Conversations'),
      this.#list,
      this.#status,
      this.#moreButton,
    );
  }

  /** Loads the first page (again), of the search when one is typed. */
  async reload(): Promise<void> {
    this.#conversations = [];
    this.#nextPageToken = undefined;
    await this.#loadPage(undefined);
  }

  /** A conversation was deleted: it leaves the list. */
  remove(conversationId: string): void {
    this.#conversations = this.#conversations.filter((conversation) => conversation.id !== conversationId);
    if (this.#activeId === conversationId) this.#activeId = undefined;
    this.#render();
  }

  /** A conversation was renamed: the list shows the new title where it is. */
  rename(conversationId: string, title: string): void {
    const entry = this.#conversations.find((conversation) => conversation.id === conversationId);
    if (entry !== undefined) entry.title = title;
    this.#render();
  }

  #scheduleSearch(): void {
    window.clearTimeout(this.#searchTimer);
    this.#searchTimer = window.setTimeout(() => this.#searchNow(), SEARCH_DELAY_MS);
  }

  #searchNow(): void {
    window.clearTimeout(this.#searchTimer);
    const query = this.#search.value.trim();
    if (query === this.#query) return;
    this.#query = query;
    void this.reload();
  }

  /** Loads the next page. */
  async loadMore(): Promise<void> {
    if (this.#nextPageToken !== undefined) await this.#loadPage(this.#nextPageToken);
  }

  /** Highlights the open conversation. */
  setActive(conversationId: string | undefined): void {
    this.#activeId = conversationId;
    this.#render();
  }

  /** A turn was saved: the conversation moves to the top (added if new; while searching, only if listed). */
  touch(conversationId: string, title: string | undefined): void {
    if (this.#query !== '' && !this.#conversations.some((conversation) => conversation.id === conversationId)) return;
    const existing = this.#conversations.find((conversation) => conversation.id === conversationId);
    const entry = existing ?? { id: conversationId, title: title ?? '', timestamp: undefined };
    if (title !== undefined && title !== '') entry.title = title;
    entry.timestamp = new Date().toISOString();
    this.#conversations = [entry, ...this.#conversations.filter((conversation) => conversation.id !== conversationId)];
    if (!this.#isLoading) this.#status.textContent = '';
    this.#render();
  }

  /** The title of a listed conversation, if loaded. */
  titleOf(conversationId: string): string | undefined {
    return this.#conversations.find((conversation) => conversation.id === conversationId)?.title;
  }

  async #loadPage(pageToken: string | undefined): Promise<void> {
    // A new search replaces a load in flight; "Load more" waits for the current one.
    if (this.#isLoading && pageToken !== undefined) return;
    const load = ++this.#loadCount;
    const query = this.#query;
    this.#isLoading = true;
    this.#moreButton.disabled = true;
    this.#status.textContent = query === '' ? 'Loading…' : 'Searching…';
    try {
      const page = await chatApi.listConversations(this.#connection, CONVERSATION_PAGE_SIZE, pageToken, query);
      if (load !== this.#loadCount) return;
      const known = new Set(this.#conversations.map((conversation) => conversation.id));
      for (const conversation of page.conversations ?? []) {
        if (conversation.id !== undefined && !known.has(conversation.id)) this.#conversations.push(listed(conversation));
      }
      this.#nextPageToken = page.next_page_token || undefined;
      this.#status.textContent = this.#emptyText();
    } catch (error) {
      if (load === this.#loadCount) this.#status.textContent = describeError(error);
    } finally {
      if (load === this.#loadCount) {
        this.#isLoading = false;
        this.#moreButton.disabled = false;
        this.#render();
      }
    }
  }

  // A search looks through a bounded number of conversations per request: an empty page may have more after it.
  #emptyText(): string {
    if (this.#conversations.length > 0) return '';
    if (this.#query === '') return 'No conversations yet.';
    return this.#nextPageToken === undefined ? 'No conversation matches.' : 'No match yet; load more to search older conversations.';
  }

  #render(): void {
    const now = Date.now();
    replaceChildren(
      this.#list,
      ...this.#conversations.map((conversation) =>
        element(
          'li',
          {},
          element(
            'a',
            {
              class: 'conversation-link',
              href: consoleRoutePath({ page: 'chat', conversationId: conversation.id }),
              'aria-current': conversation.id === this.#activeId ? 'page' : undefined,
              'data-conversation-id': conversation.id,
            },
            element('span', { class: 'conversation-title' }, conversation.title || 'Untitled conversation'),
            element('time', { class: 'conversation-time', datetime: conversation.timestamp }, formatRelativeTime(conversation.timestamp, now)),
          ),
        ),
      ),
    );
    this.#moreButton.hidden = this.#nextPageToken === undefined;
  }
}

function listed(conversation: Conversation): ListedConversation {
  return { id: conversation.id!, title: conversation.title ?? '', timestamp: conversation.timestamp };
}
