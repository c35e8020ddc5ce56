// The host's own list of actions (a constant without imports, bundled into the console).
import { AUDIT_ACTIONS } from '../../src/audit/audit-action.js';
import { describeError } from './describe-error.js';
import { element, replaceChildren } from './dom.js';
import { formatClockTime, formatRelativeTime } from './format.js';
import { auditApi, type HostConnection } from './host-api.js';
import { pageSection, type PageSection } from './page-section.js';
import type { View } from './view.js';
import type { Actor, AuditEntry, ListAuditEntriesRequest, Whoami } from './wire-types.js';

export interface AuditViewOptions {
  readonly connection: HostConnection;
  readonly identity: Whoami;
}

const PAGE_SIZE = 50;

/**
 * The audit trail (admin scope): who did what to the host, when, from where, with what outcome; newest
 * first, filtered by action, actor key, tenant and time, older entries a page at a time. Keys outside the
 * operator tenants see only their own tenant's entries (the host enforces it).
 */
export class AuditView implements View {
  readonly element: HTMLElement;
  readonly #options: AuditViewOptions;
  readonly #page: PageSection;
  readonly #rows: HTMLElement;
  readonly #more: HTMLButtonElement;
  readonly #action: HTMLSelectElement;
  readonly #actor: HTMLInputElement;
  readonly #tenant: HTMLInputElement;
  readonly #since: HTMLInputElement;
  #nextPageToken = '';
  #shown = 0;
  #controller = new AbortController();

  constructor(options: AuditViewOptions) {
    this.#options = options;
    this.#action = element('select', { id: 'audit-action' }, element('option', { value: '' }, 'All actions'), ...AUDIT_ACTIONS.map((action) => element('option', { value: action }, action)));
    this.#actor = element('input', { id: 'audit-actor', type: 'text', placeholder: 'key_…', maxlength: 80, spellcheck: 'false', autocomplete: 'off' });
    this.#tenant = element('input', { id: 'audit-tenant', type: 'text', placeholder: options.identity.tenant_id, maxlength: 64, spellcheck: 'false', autocomplete: 'off' });
    this.#since = element('input', { id: 'audit-since', type: 'datetime-local' });
    const apply = element('button', { type: 'submit', class: 'button' }, 'Apply');
    const filters = element(
      'form',
      { class: 'audit-filters', 'aria-label': 'Filter the audit trail' },
      field('audit-action', 'Action', this.#action),
      field('audit-actor', 'Actor key', this.#actor),
      field('audit-tenant', 'Tenant', this.#tenant),
      field('audit-since', 'Since', this.#since),
      apply,
    );
    filters.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.refresh();
    });
    this.#rows = element('tbody', {});
    this.#more = element('button', { type: 'button', class: 'button button-secondary', hidden: true }, 'Load older entries');
    this.#more.addEventListener('click', () => void this.#load(true));
    const refreshButton = element('button', { type: 'button', class: 'button button-secondary' }, 'Refresh');
    refreshButton.addEventListener('click', () => void this.refresh());
    const table = element(
      'table',
      { class: 'metrics-table audit-table' },
      element('thead', {}, element('tr', {}, ...['Time', 'Action', 'Target', 'Outcome', 'Actor', 'Tenant', 'From', 'Details'].map((label) => element('th', { scope: 'col' }, label)))),
      this.#rows,
    );
    this.#page = pageSection({ name: 'audit', title: 'Audit', actions: [refreshButton], body: [filters, element('div', { class: 'table-scroll' }, table), this.#more] });
    this.element = this.#page.element;
    void this.refresh();
  }

  refresh(): Promise<void> {
    return this.#load(false);
  }

  dispose(): void {
    this.#controller.abort();
  }

  async #load(isNextPage: boolean): Promise<void> {
    const request: ListAuditEntriesRequest = { ...this.#filters(), page_size: PAGE_SIZE, ...(isNextPage && this.#nextPageToken !== '' ? { page_token: this.#nextPageToken } : {}) };
    this.#more.disabled = true;
    try {
      const page = await auditApi.listAuditEntries(this.#options.connection, request, this.#controller.signal);
      const entries = page.entries ?? [];
      if (!isNextPage) {
        replaceChildren(this.#rows);
        this.#shown = 0;
      }
      this.#rows.append(...entries.map((entry) => row(entry)));
      this.#shown += entries.length;
      this.#nextPageToken = page.next_page_token ?? '';
      this.#more.hidden = this.#nextPageToken === '';
      this.#page.summary.textContent = `${this.#shown} entr${this.#shown === 1 ? 'y' : 'ies'} shown, newest first · updated ${formatClockTime(Date.now())}`;
      this.#page.showStatus(this.#shown === 0 ? 'No audit entries match.' : undefined);
    } catch (error) {
      if (!this.#controller.signal.aborted) this.#page.showStatus(describeError(error), true);
    } finally {
      this.#more.disabled = false;
    }
  }

  #filters(): ListAuditEntriesRequest {
    const since = this.#since.value === '' ? undefined : new Date(this.#since.value);
    return {
      ...(this.#action.value === '' ? {} : { actions: [this.#action.value] }),
      ...(this.#actor.value.trim() === '' ? {} : { actor_key_id: this.#actor.value.trim() }),
      ...(this.#tenant.value.trim() === '' ? {} : { tenant_id: this.#tenant.value.trim() }),
      ...(since === undefined || Number.isNaN(since.getTime()) ? {} : { since: since.toISOString() }),
    };
  }
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return element('div', { class: 'field' }, element('label', { for: id }, label), control);
}

function row(entry: AuditEntry): HTMLElement {
  const details = entry.details !== undefined && Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details, null, 2) : undefined;
  return element(
    'tr',
    { 'data-action': entry.action ?? '', 'data-outcome': entry.outcome ?? '' },
    element('td', {}, element('time', { datetime: entry.time ?? '', title: entry.time ?? '' }, formatRelativeTime(entry.time, Date.now()) || (entry.time ?? ''))),
    element('td', {}, element('code', {}, entry.action ?? '')),
    element('td', {}, entry.target || '–'),
    element('td', {}, element('span', { class: `badge badge--${entry.outcome === 'ok' ? 'active' : entry.outcome === 'unchanged' ? 'disabled' : 'failed'}` }, entry.outcome ?? '?')),
    element('td', {}, describeActor(entry.actor)),
    element('td', {}, entry.tenant_id || '–'),
    element('td', {}, entry.client_address || '–'),
    element(
      'td',
      {},
      entry.message ? element('p', { class: 'audit-message' }, entry.message) : null,
      details === undefined ? null : element('details', {}, element('summary', {}, 'Details'), element('pre', { class: 'code-block' }, element('code', {}, details))),
    ),
  );
}

/** `key_3kT… (ops)`, `cli alice@build-1`, `host`. */
export function describeActor(actor: Actor | undefined): string {
  if (actor === undefined) return '–';
  if (actor.key_id) return `${actor.key_id}${actor.tenant_id ? ` (${actor.tenant_id})` : ''}`;
  if (actor.name) return `${actor.source ?? ''} ${actor.name}`.trim();
  return actor.source ?? '–';
}
