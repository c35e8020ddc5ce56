import { describeError } from './describe-error.js';
import { errorDefinition } from './error-definition.js';
import { element, replaceChildren } from './dom.js';
import { formatClockTime, formatCount, formatRelativeTime } from './format.js';
import { pluginApi, type HostConnection } from './host-api.js';
import { pageSection, type PageSection } from './page-section.js';
import { permissionLines, sandboxLabel } from './plugin-isolation.js';
import type { View } from './view.js';
import { describeActor } from './audit-view.js';
import type { ConfigDrift, PluginInfo, ReloadPluginsResponse } from './wire-types.js';

export interface PluginsViewOptions {
  readonly connection: HostConnection;
  readonly announce: (message: string) => void;
}

const STATE_LABELS: Readonly<Record<string, string>> = { ACTIVE: 'Active', DISABLED: 'Disabled', FAILED: 'Failed', RESTARTING: 'Restarting', STARTING: 'Starting' };
const BREAKER_LABELS: Readonly<Record<string, string>> = { CLOSED: 'closed', OPEN: 'open', HALF_OPEN: 'half-open' };

/**
 * The plugin set of the host (admin scope), through acai.admin.PluginService: each plugin's state,
 * version, mode, breaker, counters, last error and tools, with enable/disable (operator overrides, kept
 * for every replica; who set them and when), breaker reset and a reload of the whole set from
 * plugins.config.json. A refused file shows as drift above the plugins.
 */
export class PluginsView implements View {
  readonly element: HTMLElement;
  readonly #options: PluginsViewOptions;
  readonly #page: PageSection;
  readonly #grid: HTMLElement;
  readonly #drift: HTMLElement;
  readonly #reloadButton: HTMLButtonElement;
  #isDisposed = false;

  constructor(options: PluginsViewOptions) {
    this.#options = options;
    this.#grid = element('div', { class: 'plugin-grid' });
    this.#drift = element('div', { class: 'drift-banner', role: 'alert', hidden: true, 'data-testid': 'config-drift' });
    const refreshButton = element('button', { type: 'button', class: 'button button-secondary' }, 'Refresh');
    refreshButton.addEventListener('click', () => void this.refresh());
    this.#reloadButton = element('button', { type: 'button', class: 'button' }, 'Reload plugin set');
    this.#reloadButton.addEventListener('click', () => void this.#reload());
    this.#page = pageSection({ name: 'plugins', title: 'Plugins', actions: [refreshButton, this.#reloadButton], body: [this.#drift, errorDefinition('The metrics page counts errors the same way.'), this.#grid] });
    this.element = this.#page.element;
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const listing = await pluginApi.listPlugins(this.#options.connection);
      if (this.#isDisposed) return;
      const plugins = listing.plugins ?? [];
      this.#page.summary.textContent = `${plugins.length} configured · generation ${listing.generation ?? '0'} · updated ${formatClockTime(Date.now())}`;
      this.#showDrift(listing.drift);
      replaceChildren(this.#grid, ...(plugins.length > 0 ? plugins.map((plugin) => this.#card(plugin)) : [element('p', { class: 'muted' }, 'No plugins are configured.')]));
    } catch (error) {
      if (!this.#isDisposed) this.#page.showStatus(describeError(error), true);
    }
  }

  dispose(): void {
    this.#isDisposed = true;
  }

  #showDrift(drift: ConfigDrift | undefined): void {
    this.#drift.hidden = drift === undefined;
    if (drift === undefined) return replaceChildren(this.#drift);
    replaceChildren(
      this.#drift,
      element('strong', {}, 'plugins.config.json is not what serves. '),
      drift.trigger === 'startup'
        ? `The host refused it at start-up and started on the last config that loaded${drift.last_good_time ? ` (saved ${drift.last_good_time})` : ''}. `
        : `A reload (${drift.trigger ?? 'unknown'}) refused it${drift.since ? ` ${formatRelativeTime(drift.since, Date.now())}` : ''}; the previous set keeps serving. `,
      element('pre', { class: 'code-block' }, element('code', {}, `${drift.code ?? ''}: ${drift.reason ?? ''}`)),
    );
  }

  #card(plugin: PluginInfo): HTMLElement {
    const name = plugin.name ?? '';
    const state = plugin.state ?? 'STATE_UNSPECIFIED';
    const breaker = plugin.breaker_state ?? 'BREAKER_STATE_UNSPECIFIED';
    const isMcp = plugin.kind === 'mcp';
    const tools = plugin.tools ?? [];
    const isOff = state === 'DISABLED';
    const toggle = this.#actionButton(isOff ? 'Enable' : 'Disable', name, () =>
      isOff ? pluginApi.enablePlugin(this.#options.connection, name) : pluginApi.disablePlugin(this.#options.connection, name),
    );
    const reset = this.#actionButton('Reset breaker', name, () => pluginApi.resetBreaker(this.#options.connection, name));
    const override = plugin.enabled_override;
    const clearOverride = override === undefined ? null : this.#actionButton('Clear override', name, () => pluginApi.clearPluginOverride(this.#options.connection, name));
    reset.disabled = state !== 'ACTIVE' || breaker === 'CLOSED';
    if (reset.disabled) reset.title = 'The breaker is closed (or the plugin is not loaded).';
    const lastErrorTime = plugin.last_error_time;
    const sandbox = sandboxLabel(plugin);
    return element(
      'article',
      { class: 'plugin-card', 'data-plugin': name, 'data-state': state.toLowerCase(), 'aria-labelledby': `plugin-${name}` },
      element(
        'header',
        { class: 'plugin-card-header' },
        element('h2', { id: `plugin-${name}` }, name),
        element('span', { class: `badge badge--${state.toLowerCase()}`, 'data-testid': 'plugin-state' }, STATE_LABELS[state] ?? state),
        plugin.required ? element('span', { class: 'badge badge--neutral' }, 'required') : null,
      ),
      element(
        'dl',
        { class: 'plugin-facts' },
        fact('Version', plugin.version || '–'),
        isMcp ? fact('Transport', plugin.transport === 'streamable_http' ? 'MCP over HTTP' : 'MCP over stdio') : fact('Mode', plugin.mode || '–'),
        fact('Source', plugin.source || '–'),
        isMcp ? fact('Server', plugin.server_name || '–') : fact('SDK range', plugin.sdk_range || '–'),
        fact('Breaker', element('span', { class: `breaker breaker--${breaker.toLowerCase()}` }, BREAKER_LABELS[breaker] ?? 'unknown')),
        fact('Calls', formatCount(plugin.call_count)),
        fact('Errors', formatCount(plugin.error_count)),
        plugin.mode === 'worker' || isMcp ? fact('Restarts', formatCount(plugin.restart_count)) : null,
        fact('In the file', plugin.file_enabled === true ? 'enabled' : 'disabled'),
        state === 'STARTING' || (plugin.start_attempts ?? 0) > 1 ? fact('Start attempts', `${plugin.start_attempts ?? 0} of ${plugin.max_start_attempts ?? 0}`) : null,
        sandbox === undefined
          ? null
          : fact('Sandbox', element('span', { class: sandbox.isWarning ? 'sandbox sandbox--off' : 'sandbox', 'data-testid': 'plugin-sandbox' }, sandbox.text)),
      ),
      override === undefined
        ? null
        : element(
            'p',
            { class: 'plugin-override', 'data-testid': 'plugin-override' },
            `${override.enabled === true ? 'Enabled' : 'Disabled'} by an operator override (every replica): ${describeActor(override.set_by)}`,
            override.set_time ? element('time', { datetime: override.set_time, title: override.set_time }, ` · ${formatRelativeTime(override.set_time, Date.now())}`) : null,
          ),
      plugin.last_breaker_reset === undefined
        ? null
        : element(
            'p',
            { class: 'plugin-override muted' },
            `Breaker last reset by ${describeActor(plugin.last_breaker_reset.reset_by)}`,
            plugin.last_breaker_reset.reset_time ? ` · ${formatRelativeTime(plugin.last_breaker_reset.reset_time, Date.now())}` : '',
          ),
      plugin.requested_permissions === undefined && plugin.granted_permissions === undefined
        ? null
        : element(
            'section',
            { class: 'plugin-permissions', 'aria-label': `Permissions of ${name}` },
            element('h3', {}, 'Permissions'),
            element(
              'dl',
              { class: 'plugin-facts' },
              fact('Requested', element('ul', { 'data-testid': 'permissions-requested' }, ...permissionLines(plugin.requested_permissions).map((line) => element('li', {}, line)))),
              fact('Granted', element('ul', { 'data-testid': 'permissions-granted' }, ...permissionLines(plugin.granted_permissions).map((line) => element('li', {}, line)))),
            ),
          ),
      plugin.last_error
        ? element(
            'div',
            { class: 'plugin-error' },
            element(
              'p',
              { class: 'plugin-error-title' },
              'Last error',
              plugin.last_error_code ? element('code', { class: 'plugin-error-code', 'data-testid': 'plugin-error-code' }, plugin.last_error_code) : null,
              lastErrorTime ? element('time', { datetime: lastErrorTime, title: lastErrorTime }, ` · ${formatRelativeTime(lastErrorTime, Date.now())}`) : null,
            ),
            element('pre', { class: 'code-block plugin-error-message' }, element('code', {}, plugin.last_error)),
          )
        : null,
      element(
        'section',
        { class: 'plugin-tools', 'aria-label': `Tools of ${name}` },
        element('h3', {}, `Tools (${tools.length})`),
        tools.length > 0
          ? element(
              'ul',
              {},
              ...tools.map((tool) =>
                element(
                  'li',
                  { 'data-tool': tool.exposed_name },
                  element('code', {}, tool.exposed_name ?? tool.name ?? ''),
                  tool.description ? element('span', { class: 'tool-description muted', title: tool.description }, tool.description) : null,
                ),
              ),
            )
          : element('p', { class: 'muted' }, isOff ? 'Disabled: its tools are not offered to the model.' : 'No tools are offered.'),
      ),
      element('footer', { class: 'plugin-actions' }, toggle, reset, clearOverride),
    );
  }

  #actionButton(label: string, pluginName: string, action: () => Promise<unknown>): HTMLButtonElement {
    const button = element('button', { type: 'button', class: label === 'Disable' ? 'button button-danger' : 'button button-secondary', 'aria-label': `${label} ${pluginName}` }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await action();
        const done = `${label === 'Enable' ? 'Enabled' : label === 'Disable' ? 'Disabled' : label === 'Clear override' ? 'Cleared the override of' : 'Reset the breaker of'} ${pluginName}.`;
        this.#page.showStatus(done, false);
        this.#options.announce(done);
        await this.refresh();
      } catch (error) {
        this.#page.showStatus(`${label} ${pluginName} failed. ${describeError(error)}`, true);
        button.disabled = false;
      }
    });
    return button;
  }

  async #reload(): Promise<void> {
    this.#reloadButton.disabled = true;
    this.#page.showStatus('Reloading the plugin set…', false);
    try {
      const result = await pluginApi.reloadPlugins(this.#options.connection);
      this.#page.showStatus(describeReload(result), false);
      this.#options.announce('Plugin set reloaded.');
      await this.refresh();
    } catch (error) {
      this.#page.showStatus(`The reload was refused; the previous set keeps serving. ${describeError(error)}`, true);
      // A refused file is drift now: the listing carries it, so the banner shows without a manual refresh.
      await this.refresh();
    } finally {
      this.#reloadButton.disabled = false;
    }
  }
}

/** One `<dt>`/`<dd>` pair (a `<div>` may group them inside a `<dl>`). */
function fact(label: string, value: Node | string): HTMLElement {
  return element('div', { class: 'fact' }, element('dt', {}, label), element('dd', {}, value));
}

function describeReload(result: ReloadPluginsResponse): string {
  const parts = [
    ['reloaded', result.reloaded],
    ['added', result.added],
    ['removed', result.removed],
    ['failed', result.failed],
  ] as const;
  const changes = parts.filter(([, names]) => (names?.length ?? 0) > 0).map(([label, names]) => `${label}: ${names!.join(', ')}`);
  const schemaChanges = (result.schema_changes ?? []).map((change) => `${change.tool} ${change.from_version}→${change.to_version}${change.major_bump ? '' : ' (without a major version bump)'}`);
  return [
    `Reloaded: generation ${result.generation ?? '?'} is serving.`,
    changes.length > 0 ? changes.join('; ') + '.' : 'No plugin changed.',
    schemaChanges.length > 0 ? `Tool schemas changed: ${schemaChanges.join(', ')}.` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
}
