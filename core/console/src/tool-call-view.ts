import type { FinishedToolCall, StartedToolCall } from './chat-stream.js';
import { element, replaceChildren } from './dom.js';
import { formatMilliseconds, prettyJson } from './format.js';
import type { ToolCall } from './wire-types.js';

/**
 * One tool call shown inline in a reply: name, plugin@version, state and latency in the summary;
 * pretty-printed arguments and the result when expanded. Everything the tool or model produced is
 * inserted as text.
 */
export class ToolCallView {
  readonly element: HTMLDetailsElement;
  readonly #status: HTMLElement;
  readonly #state: HTMLElement;
  readonly #result: HTMLElement;

  constructor(call: StartedToolCall | ToolCall) {
    this.#status = element('span', { class: 'tool-call-status' }, 'running…');
    this.#state = element('span', { class: 'tool-call-state', 'aria-hidden': 'true' });
    this.#result = element('section', { class: 'tool-call-section', hidden: true });
    const name = call.name ?? '';
    this.element = element(
      'details',
      { class: 'tool-call', 'data-state': 'running', 'data-tool': name },
      element(
        'summary',
        {},
        this.#state,
        element('code', { class: 'tool-call-name' }, name || 'unknown tool'),
        call.plugin ? element('span', { class: 'tool-call-plugin' }, `${call.plugin}@${call.plugin_version || '?'}`) : null,
        this.#status,
      ),
      element(
        'div',
        { class: 'tool-call-details' },
        element('section', { class: 'tool-call-section' }, element('h4', {}, 'Arguments'), codeBlock(prettyJson(call.arguments ?? ''), 'tool-call-arguments')),
        this.#result,
      ),
    );
  }

  /** Shows the outcome, latency and result. */
  finish(call: FinishedToolCall | ToolCall): void {
    const outcome = call.outcome || 'unknown';
    this.element.dataset.state = outcome === 'ok' ? 'ok' : 'failed';
    replaceChildren(this.#status, element('span', { class: 'tool-call-outcome' }, outcome), ' · ', element('span', { class: 'tool-call-latency' }, formatMilliseconds(call.duration_ms ?? 0)));
    const result = call.result;
    replaceChildren(
      this.#result,
      element('h4', {}, 'Result'),
      result === undefined || result === '' ? element('p', { class: 'muted' }, 'No result was recorded for this call.') : codeBlock(prettyJson(result), 'tool-call-result'),
    );
    this.#result.hidden = false;
  }

  /** The turn ended (stopped or failed) while this call was still running. */
  abandon(): void {
    if (this.element.dataset.state !== 'running') return;
    this.element.dataset.state = 'failed';
    replaceChildren(this.#status, 'not finished');
  }
}

function codeBlock(text: string, className: string): HTMLElement {
  return element('pre', { class: `code-block ${className}` }, element('code', {}, text));
}
