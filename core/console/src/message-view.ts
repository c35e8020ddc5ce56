import type { FinalMessage, FinishedToolCall, StartedToolCall } from './chat-stream.js';
import { element, replaceChildren } from './dom.js';
import { formatClockTime, formatCount } from './format.js';
import { renderMarkdown } from './render-markdown.js';
import { ToolCallView } from './tool-call-view.js';
import type { ConversationMessage, TokenUsage, ToolCall } from './wire-types.js';

type MessageState = 'streaming' | 'complete' | 'stopped' | 'failed';

interface TextSegment {
  readonly element: HTMLElement;
  text: string;
}

/**
 * One message in the chat log. Assistant messages can be built live from stream events: text
 * segments and tool-call cards appear in the order they happen, so a reply that says something,
 * calls a tool and goes on reads in order.
 */
export class MessageView {
  readonly element: HTMLElement;
  readonly #body: HTMLElement;
  readonly #status: HTMLElement;
  readonly #usage: HTMLElement;
  readonly #regenerateButton: HTMLButtonElement;
  readonly #toolCalls = new Map<string, ToolCallView>();
  #segments: TextSegment[] = [];
  #currentSegment: TextSegment | undefined;
  #onRegenerate: (() => void) | undefined;
  /** The stored message's id (an assistant reply's once it is stored); undefined before. */
  messageId: string | undefined;

  private constructor(role: 'user' | 'assistant', timestamp: string | number | undefined) {
    this.#body = element('div', { class: 'message-body' });
    this.#status = element('p', { class: 'message-status', hidden: true });
    this.#usage = element('span', { class: 'message-usage muted', hidden: true });
    const copyButton = element('button', { type: 'button', class: 'button-quiet message-copy', 'aria-label': `Copy ${role === 'user' ? 'your message' : 'the reply'}` }, 'Copy');
    copyButton.addEventListener('click', () => void copyToClipboard(this.text, copyButton));
    this.#regenerateButton = element('button', { type: 'button', class: 'button-quiet message-regenerate', hidden: true, 'aria-label': 'Regenerate the reply' }, 'Regenerate');
    this.#regenerateButton.addEventListener('click', () => this.#onRegenerate?.());
    this.element = element(
      'article',
      { class: `message message--${role}`, 'data-role': role, 'data-state': 'complete' },
      element(
        'header',
        { class: 'message-meta' },
        element('span', { class: 'message-author' }, role === 'user' ? 'You' : 'Assistant'),
        element('time', {}, formatClockTime(timestamp)),
        this.#usage,
        copyButton,
        this.#regenerateButton,
      ),
      this.#body,
      this.#status,
    );
  }

  /** The user's own message. */
  static user(text: string, timestamp: string | number = Date.now()): MessageView {
    const view = new MessageView('user', timestamp);
    view.#appendPlainSegment(text);
    return view;
  }

  /** An assistant reply that is about to stream in. */
  static streaming(): MessageView {
    const view = new MessageView('assistant', Date.now());
    view.#setState('streaming');
    view.element.setAttribute('aria-busy', 'true');
    replaceChildren(view.#status, element('span', { class: 'typing-indicator', 'aria-hidden': 'true' }), 'Thinking…');
    view.#status.hidden = false;
    return view;
  }

  /** A stored message from DescribeConversation, with its tool calls and their results. */
  static stored(message: ConversationMessage): MessageView {
    const view = message.role !== 'ASSISTANT' ? MessageView.user(message.content ?? '', message.timestamp) : new MessageView('assistant', message.timestamp);
    view.messageId = message.id;
    if (message.role !== 'ASSISTANT') return view;
    for (const call of message.tool_calls ?? []) view.#addFinishedToolCall(call);
    view.appendText(message.content ?? '');
    view.#showUsage(message.usage);
    return view;
  }

  /** True for the assistant's replies. */
  get isReply(): boolean {
    return this.element.dataset.role === 'assistant';
  }

  /** Offers "Regenerate" on this reply (the chat offers it on the last one only); undefined takes it away. */
  offerRegenerate(onRegenerate: (() => void) | undefined): void {
    this.#onRegenerate = onRegenerate;
    this.#regenerateButton.hidden = onRegenerate === undefined;
  }

  /** The message's text (what Copy copies). */
  get text(): string {
    return this.#segments.map((segment) => segment.text).join('');
  }

  appendText(delta: string): void {
    if (delta === '') return;
    this.#clearThinking();
    if (this.#currentSegment === undefined) {
      this.#currentSegment = { element: element('div', { class: 'message-text' }), text: '' };
      this.#segments.push(this.#currentSegment);
      this.#body.append(this.#currentSegment.element);
    }
    this.#currentSegment.text += delta;
    replaceChildren(this.#currentSegment.element, ...renderMarkdown(this.#currentSegment.text));
  }

  startToolCall(call: StartedToolCall): void {
    this.#clearThinking();
    const view = new ToolCallView(call);
    this.#toolCalls.set(call.id, view);
    this.#body.append(view.element, view.images);
    this.#currentSegment = undefined;
  }

  finishToolCall(call: FinishedToolCall): void {
    const view = this.#toolCalls.get(call.id);
    if (view === undefined) this.#addFinishedToolCall(call);
    else view.finish(call);
  }

  /**
   * The stored reply arrived. If what streamed differs from what was stored (text of an earlier step
   * that the final reply does not repeat), show what was stored, so a reload shows the same thing.
   */
  complete(message: FinalMessage): void {
    for (const call of message.tool_calls) {
      if (call.id !== undefined && this.#toolCalls.has(call.id)) this.#toolCalls.get(call.id)!.finish(call);
      else this.#addFinishedToolCall(call);
    }
    if (this.text !== message.reply) {
      for (const segment of this.#segments) segment.element.remove();
      this.#segments = [];
      this.#currentSegment = undefined;
      this.appendText(message.reply);
    }
    this.messageId = message.message_id;
    this.#showUsage(message.usage);
    this.#finish('complete');
  }

  /** The user stopped the turn: what streamed stays visible, marked as not saved. */
  stop(): void {
    this.#finish('stopped', 'Stopped. This turn was not saved.');
  }

  /** The turn failed; `reason` is already readable. */
  fail(reason: string): void {
    this.#finish('failed', reason);
  }

  #addFinishedToolCall(call: ToolCall): void {
    const view = new ToolCallView(call);
    view.finish(call);
    if (call.id) this.#toolCalls.set(call.id, view);
    this.#body.append(view.element, view.images);
    this.#currentSegment = undefined;
  }

  // The tokens the model reported for this reply; nothing when it reported none.
  #showUsage(usage: TokenUsage | undefined): void {
    if (usage === undefined) return;
    const prompt = usage.prompt_tokens ?? 0;
    const completion = usage.completion_tokens ?? 0;
    this.#usage.textContent = `${formatCount(prompt)} in · ${formatCount(completion)} out`;
    this.#usage.title = `The model reported ${formatCount(prompt)} prompt tokens and ${formatCount(completion)} completion tokens for this reply.`;
    this.#usage.hidden = false;
  }

  #appendPlainSegment(text: string): void {
    const segment = { element: element('div', { class: 'message-text message-text--plain' }, text), text };
    this.#segments.push(segment);
    this.#body.append(segment.element);
  }

  #finish(state: MessageState, note?: string): void {
    this.#setState(state);
    this.element.removeAttribute('aria-busy');
    for (const view of this.#toolCalls.values()) view.abandon();
    if (note === undefined) {
      this.#status.hidden = true;
      replaceChildren(this.#status);
    } else {
      replaceChildren(this.#status, note);
      this.#status.hidden = false;
      if (state === 'failed') this.#status.setAttribute('role', 'alert');
    }
  }

  #clearThinking(): void {
    if (this.element.dataset.state === 'streaming' && !this.#status.hidden) {
      this.#status.hidden = true;
      replaceChildren(this.#status);
    }
  }

  #setState(state: MessageState): void {
    this.element.dataset.state = state;
  }
}

async function copyToClipboard(text: string, button: HTMLButtonElement): Promise<void> {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';
  }
  window.setTimeout(() => (button.textContent = label), 1_500);
}
