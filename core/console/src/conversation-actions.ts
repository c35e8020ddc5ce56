import { describeError } from './describe-error.js';
import { element, replaceChildren } from './dom.js';
import { chatApi, type HostConnection } from './host-api.js';

/** What the actions need from the chat around them. */
export interface ConversationActionsOptions {
  readonly connection: HostConnection;
  /** The chat's heading: the rename form takes its place while open, and it shows the new title. */
  readonly title: HTMLHeadingElement;
  readonly onRenamed: (conversationId: string, title: string) => void;
  readonly onDeleted: (conversationId: string) => void;
  /** Offers a file to the browser (dom.ts downloadFile; replaceable in tests). */
  readonly download: (fileName: string, contentType: string, content: string) => void;
  readonly announce: (message: string) => void;
}

/** Longest title the host accepts, in characters. */
const MAX_TITLE_LENGTH = 200;

/**
 * The open conversation's actions in the chat header: rename (an inline form), export as JSON or
 * Markdown (a file download), and delete — after an in-page confirmation, never a browser dialog,
 * since the page allows no `confirm()` prompts to interrupt a streaming reply.
 */
export class ConversationActions {
  /** The buttons, in the header. */
  readonly element: HTMLElement;
  /** Confirmations, the rename form's errors and results, under the header. */
  readonly notice: HTMLElement;
  readonly #options: ConversationActionsOptions;
  readonly #buttons: HTMLButtonElement[];
  #conversationId: string | undefined;

  constructor(options: ConversationActionsOptions) {
    this.#options = options;
    const rename = button('Rename', 'Rename this conversation', () => this.#startRename());
    const exportJson = button('Export JSON', 'Download this conversation as JSON', () => void this.#export('json'));
    const exportMarkdown = button('Export Markdown', 'Download this conversation as Markdown', () => void this.#export('markdown'));
    const remove = button('Delete', 'Delete this conversation', () => this.#confirmDelete());
    remove.classList.add('button-danger');
    this.#buttons = [rename, exportJson, exportMarkdown, remove];
    this.element = element('div', { class: 'chat-actions', role: 'toolbar', 'aria-label': 'Conversation', hidden: true }, ...this.#buttons);
    this.notice = element('div', { class: 'chat-notice', role: 'status' });
  }

  /** Shows the actions for a stored conversation (none for a new chat). */
  show(conversationId: string | undefined): void {
    this.#conversationId = conversationId;
    this.element.hidden = conversationId === undefined;
    this.#closeRename();
    replaceChildren(this.notice);
  }

  /** While a reply streams, the conversation is left alone. */
  setBusy(isBusy: boolean): void {
    for (const action of this.#buttons) action.disabled = isBusy;
  }

  /** A one-line message under the header (e.g. a regeneration that failed). */
  notify(text: string, isError = true): void {
    replaceChildren(this.notice, element('p', { class: isError ? 'alert' : 'notice', role: isError ? 'alert' : undefined }, text));
  }

  #startRename(): void {
    const conversationId = this.#conversationId;
    if (conversationId === undefined) return;
    replaceChildren(this.notice);
    const input = element('input', { id: 'rename-input', class: 'rename-input', value: this.#options.title.textContent ?? '', maxlength: MAX_TITLE_LENGTH, autocomplete: 'off' });
    const cancel = element('button', { type: 'button', class: 'button-quiet' }, 'Cancel');
    const form = element(
      'form',
      { class: 'rename-form', 'aria-label': 'Rename the conversation' },
      element('label', { class: 'visually-hidden', for: 'rename-input' }, 'Title'),
      input,
      element('button', { type: 'submit', class: 'button' }, 'Save'),
      cancel,
    );
    cancel.addEventListener('click', () => this.#closeRename());
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.#closeRename();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#rename(conversationId, input.value, form);
    });
    this.#options.title.hidden = true;
    this.element.hidden = true;
    this.#options.title.after(form);
    input.select();
  }

  async #rename(conversationId: string, title: string, form: HTMLFormElement): Promise<void> {
    for (const control of form.querySelectorAll('input, button')) (control as HTMLInputElement).disabled = true;
    try {
      const { conversation } = await chatApi.renameConversation(this.#options.connection, conversationId, title);
      const stored = conversation?.title ?? title;
      this.#options.title.textContent = stored;
      this.#options.onRenamed(conversationId, stored);
      this.#closeRename();
      this.#options.announce(`Renamed to ${stored}.`);
    } catch (error) {
      for (const control of form.querySelectorAll('input, button')) (control as HTMLInputElement).disabled = false;
      this.notify(`The title was not changed. ${describeError(error)}`);
    }
  }

  #closeRename(): void {
    this.#options.title.parentElement?.querySelector('.rename-form')?.remove();
    this.#options.title.hidden = false;
    this.element.hidden = this.#conversationId === undefined;
  }

  async #export(format: 'json' | 'markdown'): Promise<void> {
    const conversationId = this.#conversationId;
    if (conversationId === undefined) return;
    try {
      const exported = await chatApi.exportConversation(this.#options.connection, conversationId, format);
      this.#options.download(exported.file_name ?? `acai-conversation-${conversationId}`, exported.content_type ?? 'application/octet-stream', exported.content ?? '');
      this.#options.announce(`Exported as ${format === 'json' ? 'JSON' : 'Markdown'}.`);
    } catch (error) {
      this.notify(`The export failed. ${describeError(error)}`);
    }
  }

  #confirmDelete(): void {
    const conversationId = this.#conversationId;
    if (conversationId === undefined) return;
    const confirm = element('button', { type: 'button', class: 'button button-danger' }, 'Delete for good');
    const cancel = element('button', { type: 'button', class: 'button-quiet' }, 'Cancel');
    const title = this.#options.title.textContent ?? 'this conversation';
    replaceChildren(
      this.notice,
      element(
        'div',
        { class: 'delete-confirm', role: 'alertdialog', 'aria-label': 'Confirm deleting the conversation' },
        element('p', {}, `Delete “${title}”? Its messages and tool results are removed from the host; this cannot be undone.`),
        confirm,
        cancel,
      ),
    );
    cancel.addEventListener('click', () => replaceChildren(this.notice));
    confirm.addEventListener('click', () => void this.#delete(conversationId, confirm));
    cancel.focus();
  }

  async #delete(conversationId: string, confirm: HTMLButtonElement): Promise<void> {
    confirm.disabled = true;
    try {
      await chatApi.deleteConversation(this.#options.connection, conversationId);
      replaceChildren(this.notice);
      this.#options.onDeleted(conversationId);
      this.#options.announce('Conversation deleted.');
    } catch (error) {
      this.notify(`The conversation was not deleted. ${describeError(error)}`);
    }
  }
}

function button(label: string, description: string, onClick: () => void): HTMLButtonElement {
  const action = element('button', { type: 'button', class: 'button-quiet chat-action', title: description }, label);
  action.addEventListener('click', onClick);
  return action;
}
