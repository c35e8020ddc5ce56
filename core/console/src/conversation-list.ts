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

/**
 * The sidebar list of the tenant's conversations, newest first, paged with ListConversations'
 * page tokens ("Load more"). Entries are links, so opening one is ordinary navigation.
 */
export class ConversationList {
  readonly element: HTMLElement;
  readonly #connection: HostConnection;
  readonly #list: HTMLUListElement;
  readonly #moreButton: HTMLButtonElement;
  readonly #status: HTMLElement;
  #conversations: ListedConversation[] = [];
  #nextPageToken: string | undefined;
  #activeId: string | undefined;
  #isLoading = false;

  constructor(connection: HostConnection) {
    this.#connection = connection;
    this.#list = element('ul', { class: 'conversation-items', 'aria-label': 'Conversations' });
    this.#status = element('p', { class: 'conversation-status muted', role: 'status' });
    this.#moreButton = element('button', { type: 'button', class: 'button-quiet conversation-more', hidden: true }, 'Load more');
    this.#moreButton.addEventListener('click', () => void this.loadMore());
    this.element = element(
      'nav',
      { class: 'conversation-list', 'aria-label': 'Conversation history' },
      element('a', { class: 'button new-chat', href: consoleRoutePath({ page: 'chat' }) }, '+ New chat'),
      element('h2', { class: 'sidebar-heading' }, 'Conversations'),
      this.#list,
      this.#status,
      this.#moreButton,
    );
  }

  /** Loads the first page (again). */
  async reload(): Promise<void> {
    this.#conversations = [];
    this.#nextPageToken = undefined;
    await this.#loadPage(undefined);
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

  /** A turn was saved: the conversation moves to the top (added if new). */
  touch(conversationId: string, title: string | undefined): void {
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
    if (this.#isLoading) return;
    this.#isLoading = true;
    this.#moreButton.disabled = true;
    this.#status.textContent = 'Loading…';
    try {
      const page = await chatApi.listConversations(this.#connection, CONVERSATION_PAGE_SIZE, pageToken);
      const known = new Set(this.#conversations.map((conversation) => conversation.id));
      for (const conversation of page.conversations ?? []) {
        if (conversation.id !== undefined && !known.has(conversation.id)) this.#conversations.push(listed(conversation));
      }
      this.#nextPageToken = page.next_page_token || undefined;
      this.#status.textContent = this.#conversations.length === 0 ? 'No conversations yet.' : '';
    } catch (error) {
      this.#status.textContent = describeError(error);
    } finally {
      this.#isLoading = false;
      this.#moreButton.disabled = false;
      this.#render();
    }
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
