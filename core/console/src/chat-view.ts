import { streamChat, type ChatStreamRequest, type FinalMessage } from './chat-stream.js';
import type { ConsoleRoute } from './console-route.js';
import { ConversationList } from './conversation-list.js';
import { describeError, describeTwirpError } from './describe-error.js';
import { downloadFile, element, replaceChildren } from './dom.js';
import { chatApi, HostApiError, isAbort, type HostConnection } from './host-api.js';
import { ConversationActions } from './conversation-actions.js';
import { MessageView } from './message-view.js';
import { ScrollFollower } from './scroll-follower.js';
import type { View } from './view.js';

/** What the chat view needs from the app around it. */
export interface ChatViewOptions {
  readonly connection: HostConnection;
  /** Changes the address bar; `render: false` when the view already shows the page (a new conversation got its id). */
  readonly navigate: (route: ConsoleRoute, options?: { replace?: boolean; render?: boolean }) => void;
  /** Says something to screen-reader users (a polite live region). */
  readonly announce: (message: string) => void;
}

const NEW_CONVERSATION_TITLE = 'New conversation';

/**
 * Chat: the conversation list beside the open conversation, a composer, and streamed replies with
 * their tool calls. One turn runs at a time; Stop (or Escape) aborts it, which makes the host cancel
 * the model call and tools and store nothing of the turn. The open conversation can be renamed,
 * exported or deleted, and its last reply regenerated (streamed like any turn; it replaces the old
 * reply only once the new one is stored).
 */
export class ChatView implements View {
  readonly element: HTMLElement;
  readonly #options: ChatViewOptions;
  readonly #list: ConversationList;
  readonly #title: HTMLHeadingElement;
  readonly #actions: ConversationActions;
  readonly #log: HTMLElement;
  readonly #follower: ScrollFollower;
  readonly #input: HTMLTextAreaElement;
  readonly #sendButton: HTMLButtonElement;
  readonly #stopButton: HTMLButtonElement;
  #conversationId: string | undefined;
  #turn: AbortController | undefined;
  #openCount = 0;
  /** The last reply in the log: the one Regenerate is offered on. */
  #lastReply: MessageView | undefined;

  constructor(options: ChatViewOptions) {
    this.#options = options;
    this.#list = new ConversationList(options.connection);
    this.#title = element('h1', { class: 'chat-title', tabindex: '-1' }, NEW_CONVERSATION_TITLE);
    this.#actions = new ConversationActions({
      connection: options.connection,
      title: this.#title,
      onRenamed: (conversationId, title) => this.#list.rename(conversationId, title),
      onDeleted: (conversationId) => this.#deleted(conversationId),
      download: downloadFile,
      announce: options.announce,
    });
    this.#log = element('div', { class: 'message-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
    const jumpButton = element('button', { type: 'button', class: 'jump-to-latest', hidden: true }, '↓ Jump to latest');
    this.#follower = new ScrollFollower(this.#log, jumpButton);
    this.#input = element('textarea', {
      id: 'composer-input',
      class: 'composer-input',
      rows: 1,
      placeholder: 'Message the assistant…',
      'aria-describedby': 'composer-hint',
      maxlength: 32_000,
    });
    this.#sendButton = element('button', { type: 'submit', class: 'button composer-send' }, 'Send');
    this.#stopButton = element('button', { type: 'button', class: 'button button-danger composer-stop', hidden: true }, 'Stop');
    this.#stopButton.addEventListener('click', () => this.stop());
    this.#input.addEventListener('keydown', (event) => this.#onKeyDown(event));
    const composer = element(
      'form',
      { class: 'composer', 'aria-label': 'Send a message' },
      element('label', { class: 'visually-hidden', for: 'composer-input' }, 'Message'),
      this.#input,
      this.#sendButton,
      this.#stopButton,
    );
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    this.element = element(
      'div',
      { class: 'chat-layout' },
      this.#list.element,
      element(
        'section',
        { class: 'chat-pane', 'aria-labelledby': 'chat-title' },
        element('header', { class: 'chat-header' }, this.#title, this.#actions.element),
        this.#actions.notice,
        element('div', { class: 'message-log-frame' }, this.#log, jumpButton),
        composer,
        element('p', { id: 'composer-hint', class: 'composer-hint muted' }, 'Enter to send, Shift+Enter for a new line, Escape to stop a reply.'),
      ),
    );
    this.#title.id = 'chat-title';
    void this.#list.reload();
  }

  /** Shows a conversation (or a fresh one when `conversationId` is undefined). */
  async open(conversationId: string | undefined): Promise<void> {
    // Coming back to the conversation whose reply is streaming keeps it; going anywhere else in the
    // chat (another conversation, a new one) stops the turn, which the host then discards.
    if (conversationId !== undefined && conversationId === this.#conversationId && this.#turn !== undefined) return;
    this.stop();
    const openCount = ++this.#openCount;
    this.#conversationId = conversationId;
    this.#list.setActive(conversationId);
    this.#actions.show(conversationId);
    this.#setLastReply(undefined);
    if (conversationId === undefined) {
      this.#title.textContent = NEW_CONVERSATION_TITLE;
      replaceChildren(this.#log, emptyState());
      this.#input.focus();
      return;
    }
    this.#title.textContent = this.#list.titleOf(conversationId) || 'Loading…';
    replaceChildren(this.#log, element('p', { class: 'log-placeholder muted', role: 'status' }, 'Loading the conversation…'));
    try {
      const { conversation } = await chatApi.describeConversation(this.#options.connection, conversationId);
      if (openCount !== this.#openCount) return;
      this.#title.textContent = conversation?.title || 'Untitled conversation';
      const views = (conversation?.messages ?? []).map((message) => MessageView.stored(message));
      replaceChildren(this.#log, ...(views.length > 0 ? views.map((view) => view.element) : [emptyState()]));
      const last = views.at(-1);
      this.#setLastReply(last?.isReply === true ? last : undefined);
      this.#follower.scrollToEnd();
    } catch (error) {
      if (openCount !== this.#openCount) return;
      this.#actions.show(undefined);
      this.#title.textContent = 'Conversation unavailable';
      const text =
        error instanceof HostApiError && error.code === 'not_found' ? 'This conversation does not exist, or it belongs to another tenant.' : describeError(error);
      replaceChildren(this.#log, element('p', { class: 'alert', role: 'alert' }, text));
    }
    this.#input.focus();
  }

  /** Sends the composer's text as one streamed turn. */
  async send(): Promise<void> {
    const text = this.#input.value.trim();
    if (text === '' || this.#turn !== undefined) return;
    this.#input.value = '';
    this.#log.querySelector('.empty-state')?.remove();
    this.#log.append(MessageView.user(text).element);
    const reply = MessageView.streaming();
    this.#log.append(reply.element);
    this.#follower.scrollToEnd();

    const startedIn = this.#conversationId;
    const request = startedIn === undefined ? { message: text } : { conversationId: startedIn, message: text };
    const turn = await this.#runTurn(request, reply, (message) => this.#adopt(message.conversation_id, message.title, startedIn));
    // A failed message goes back into an empty composer, ready to retry.
    if (!turn.isSaved && !turn.wasStopped && this.#input.value === '') this.#input.value = text;
    if (this.element.isConnected) this.#input.focus();
  }

  /**
   * Regenerates the last reply: a new reply streams in its place; the old one comes back if the new one
   * fails or is stopped (the host changed nothing then).
   */
  async regenerate(previous: MessageView): Promise<void> {
    const conversationId = this.#conversationId;
    if (conversationId === undefined || previous.messageId === undefined || this.#turn !== undefined) return;
    const reply = MessageView.streaming();
    previous.element.replaceWith(reply.element);
    this.#follower.contentChanged();
    const turn = await this.#runTurn({ conversationId, regenerateMessageId: previous.messageId }, reply, (message) => {
      this.#list.touch(message.conversation_id, undefined);
    });
    if (!turn.isSaved) {
      reply.element.replaceWith(previous.element);
      this.#setLastReply(previous);
      this.#actions.notify(`${turn.wasStopped ? 'Regenerating was stopped' : `Regenerating failed: ${turn.failure ?? 'unknown error'}`}. The previous reply is kept.`);
    }
    this.#follower.contentChanged();
  }

  /** One streamed turn into `reply`; `onSaved` runs when the host stored it. */
  async #runTurn(request: ChatStreamRequest, reply: MessageView, onSaved: (message: FinalMessage) => void): Promise<{ isSaved: boolean; wasStopped: boolean; failure?: string }> {
    const turn = new AbortController();
    this.#turn = turn;
    this.#setBusy(true);
    let isSaved = false;
    let failure: string | undefined;
    try {
      for await (const event of streamChat(this.#options.connection, request, turn.signal)) {
        switch (event.type) {
          case 'delta':
            reply.appendText(event.text);
            break;
          case 'tool_call_started':
            reply.startToolCall(event.call);
            break;
          case 'tool_call_finished':
            reply.finishToolCall(event.call);
            break;
          case 'message':
            reply.complete(event.message);
            isSaved = true;
            onSaved(event.message);
            this.#options.announce('Reply complete.');
            break;
          case 'error':
            failure = describeTwirpError(event.error.code, event.error.msg, event.error.meta);
            reply.fail(`${failure} This turn was not saved.`);
            break;
          case 'conversation':
            break;
        }
        this.#follower.contentChanged();
      }
    } catch (error) {
      if (isAbort(error)) reply.stop();
      else {
        failure = describeError(error);
        reply.fail(`${failure} This turn was not saved.`);
      }
      this.#follower.contentChanged();
    } finally {
      if (this.#turn === turn) this.#turn = undefined;
      this.#setBusy(false);
    }
    if (isSaved) this.#setLastReply(reply);
    return { isSaved, wasStopped: turn.signal.aborted, ...(failure === undefined ? {} : { failure }) };
  }

  /** Stops the running turn, if any. */
  stop(): void {
    this.#turn?.abort();
    this.#turn = undefined;
  }

  dispose(): void {
    this.stop();
  }

  // A turn that started a conversation makes it the open one: the address bar gets its id (without
  // reloading the page's content) and the list shows it on top.
  #adopt(conversationId: string, title: string | undefined, startedIn: string | undefined): void {
    if (conversationId === '') return;
    if (startedIn === undefined && this.#conversationId === undefined) {
      this.#conversationId = conversationId;
      this.#options.navigate({ page: 'chat', conversationId }, { replace: true, render: false });
      if (title) this.#title.textContent = title;
      this.#actions.show(conversationId);
    }
    this.#list.touch(conversationId, title);
    this.#list.setActive(this.#conversationId);
  }

  #setBusy(isBusy: boolean): void {
    this.#sendButton.hidden = isBusy;
    this.#stopButton.hidden = !isBusy;
    this.#log.setAttribute('aria-busy', String(isBusy));
    this.#actions.setBusy(isBusy);
    // No regenerating while a turn runs; offered again on the last reply when it ends.
    this.#lastReply?.offerRegenerate(isBusy ? undefined : () => void this.regenerate(this.#lastReply!));
  }

  #setLastReply(reply: MessageView | undefined): void {
    this.#lastReply?.offerRegenerate(undefined);
    this.#lastReply = reply;
    if (reply !== undefined && this.#turn === undefined) reply.offerRegenerate(() => void this.regenerate(reply));
  }

  // The open conversation was deleted: it leaves the list and the page shows a new chat.
  #deleted(conversationId: string): void {
    this.#list.remove(conversationId);
    if (this.#conversationId === conversationId) this.#options.navigate({ page: 'chat' });
  }

  #onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Escape' && this.#turn !== undefined) {
      event.preventDefault();
      this.stop();
      return;
    }
    if (event.key !== 'Enter' || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    event.preventDefault();
    void this.send();
  }
}

function emptyState(): HTMLElement {
  return element(
    'div',
    { class: 'empty-state' },
    element('p', { class: 'empty-state-title' }, 'Start a conversation'),
    element('p', { class: 'muted' }, 'Replies stream in as they are written; tool calls appear inline with their arguments, result and latency.'),
  );
}
