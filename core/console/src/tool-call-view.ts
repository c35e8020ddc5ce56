import type { FinishedToolCall, StartedToolCall } from './chat-stream.js';
import { dataImage, element, replaceChildren } from './dom.js';
import { formatMilliseconds, prettyJson } from './format.js';
import { jsonTreeOf } from './json-tree.js';
import type { ToolCall, ToolImage } from './wire-types.js';

/**
 * One tool call shown inline in a reply: name, plugin@version, state and latency in the summary;
 * pretty-printed arguments, the result and a structured result as a collapsible tree when expanded;
 * images the tool returned right below it, always visible. Everything the tool or model produced is
 * inserted as text, and images only as checked raster `data:` URLs.
 */
export class ToolCallView {
  readonly element: HTMLDetailsElement;
  /** The tool's images, shown next to the (collapsed) call; empty and hidden when there are none. */
  readonly images: HTMLElement;
  readonly #status: HTMLElement;
  readonly #state: HTMLElement;
  readonly #result: HTMLElement;
  readonly #name: string;

  constructor(call: StartedToolCall | ToolCall) {
    this.#status = element('span', { class: 'tool-call-status' }, 'running…');
    this.#state = element('span', { class: 'tool-call-state', 'aria-hidden': 'true' });
    this.#result = element('section', { class: 'tool-call-section', hidden: true });
    this.#name = call.name ?? '';
    this.images = element('div', { class: 'tool-images', hidden: true, 'data-tool': this.#name });
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
    const data = element('div', { class: 'tool-call-data' });
    replaceChildren(
      this.#result,
      element('h4', {}, 'Result'),
      result === undefined || result === '' ? element('p', { class: 'muted' }, 'No result was recorded for this call.') : codeBlock(prettyJson(result), 'tool-call-result'),
      call.data ? element('h4', {}, 'Structured result') : null,
      call.data ? data : null,
    );
    this.#result.hidden = false;
    // The tree is built when the call is first opened: a long conversation has many calls nobody expands.
    if (call.data) this.#whenOpened(() => replaceChildren(data, jsonTreeOf(call.data) ?? codeBlock(call.data ?? '', 'tool-call-data-text')));
    this.#showImages(call.images ?? []);
  }

  #whenOpened(build: () => void): void {
    if (this.element.open) return build();
    const onToggle = () => {
      if (!this.element.open) return;
      this.element.removeEventListener('toggle', onToggle);
      build();
    };
    this.element.addEventListener('toggle', onToggle);
  }

  #showImages(images: readonly ToolImage[]): void {
    const shown = images.flatMap((image, index) => {
      const picture = dataImage(image.mime_type, image.data, `Image ${index + 1} from ${this.#name || 'a tool'}`);
      return picture === null ? [] : [element('figure', { class: 'tool-image' }, picture)];
    });
    replaceChildren(this.images, ...shown);
    this.images.hidden = shown.length === 0;
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
