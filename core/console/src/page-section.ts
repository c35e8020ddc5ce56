import { element, replaceChildren, type Child } from './dom.js';

/** The frame shared by the operator pages: a heading (focused on navigation), a summary line, actions and a status area. */
export interface PageSection {
  readonly element: HTMLElement;
  /** The line under the heading (what the page shows, when it was read). */
  readonly summary: HTMLElement;
  /** Shows one notice or error (polite live region); `undefined` clears it. */
  showStatus(text: string | undefined, isError?: boolean): void;
}

export function pageSection(options: { readonly name: string; readonly title: string; readonly actions: readonly Child[]; readonly body: readonly Child[] }): PageSection {
  const summary = element('p', { class: 'muted page-summary' });
  const status = element('div', { class: 'page-status', role: 'status' });
  const titleId = `${options.name}-title`;
  return {
    summary,
    element: element(
      'section',
      { class: `page ${options.name}-page`, 'aria-labelledby': titleId },
      element(
        'header',
        { class: 'page-header' },
        element('div', {}, element('h1', { id: titleId, tabindex: '-1' }, options.title), summary),
        element('div', { class: 'page-actions' }, ...options.actions),
      ),
      status,
      ...options.body,
    ),
    showStatus(text, isError = false) {
      if (text === undefined) replaceChildren(status);
      else replaceChildren(status, element('p', { class: isError ? 'alert' : 'notice' }, text));
    },
  };
}
