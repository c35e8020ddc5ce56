import { AUDIT_ACTIONS } from '../../audit/index.js';
import type { AuditEntry, ListAuditEntriesRequest } from '../../client/index.js';
import { usageError } from '../cli-error.js';
import { createStyle, type CliIo } from '../cli-io.js';
import { describeClientError } from '../describe-client-error.js';
import { formatTable } from '../format-table.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectAdmin } from '../host-connection.js';
import { parseCommandArgs } from '../parse-command-args.js';

export const AUDIT_HELP = `Usage: acai audit [options]

Read the host's audit trail, newest first: who (API key and tenant, or the CLI's user@machine, or the
host itself) did what (API keys created and revoked, plugins enabled, disabled, added, removed, breakers
reset, reloads with their diff, console sign-ins with the admin scope), when, from where, and the outcome.
Through acai.admin.AuditService: the key needs the "admin" scope, and a key whose tenant is not an
operator tenant (ACAI_OPERATOR_TENANTS, default ops,default) sees only its own tenant's entries.

Options:
      --since <time>       only entries at or after: an RFC 3339 time, or a span back from now (30m, 24h, 7d)
      --until <time>       only entries before (same forms)
      --action <names>     only these actions, comma-separated (${AUDIT_ACTIONS.join(', ')})
      --actor <key id>     only what this API key did
      --tenant <tenant>    only this tenant's entries (operator tenants)
      --limit <n>          at most n entries (default 50, up to 1000; fetched page by page)
      --page-token <token> continue where a previous listing stopped
      --json               print {"entries": [...], "next_page_token": …} (for scripts)
${CONNECTION_HELP}

Examples:
  acai audit --since 24h
  acai audit --action plugin.disable,plugin.enable --json | jq '.entries[] | .actor'
  acai audit --actor key_3kTq9ZcV0bXy7LmN --since 2025-03-01T00:00:00Z
`;

const SPAN = /^(\d{1,6})(m|h|d)$/;
const SPAN_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_LIMIT = 1000;
const HOST_PAGE_SIZE = 200;

export async function runAuditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('audit', args, {
    ...CONNECTION_OPTIONS,
    since: { type: 'string' },
    until: { type: 'string' },
    action: { type: 'string' },
    actor: { type: 'string' },
    tenant: { type: 'string' },
    limit: { type: 'string' },
    'page-token': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout.write(AUDIT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]!.slice(0, 40)}"`, 'audit');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw usageError(`--limit must be an integer from 1 to ${MAX_LIMIT}`, 'audit');
  const now = Date.now();
  const actions = values.action === undefined ? [] : values.action.split(',').map((action) => action.trim()).filter((action) => action !== '');
  const unknown = actions.filter((action) => !(AUDIT_ACTIONS as readonly string[]).includes(action));
  if (unknown.length > 0) throw usageError(`unknown action "${unknown[0]!.slice(0, 40)}"; use ${AUDIT_ACTIONS.join(', ')}`, 'audit');
  const filters: ListAuditEntriesRequest = {
    ...(values.since === undefined ? {} : { since: parseTime(values.since, '--since', now) }),
    ...(values.until === undefined ? {} : { until: parseTime(values.until, '--until', now) }),
    ...(actions.length === 0 ? {} : { actions }),
    ...(values.actor === undefined ? {} : { actor_key_id: values.actor }),
    ...(values.tenant === undefined ? {} : { tenant_id: values.tenant }),
  };

  const { admin, url } = connectAdmin(io, values);
  const entries: AuditEntry[] = [];
  let pageToken = values['page-token'] ?? '';
  try {
    do {
      const page = await admin.listAuditEntries({ ...filters, page_size: Math.min(HOST_PAGE_SIZE, limit - entries.length), ...(pageToken === '' ? {} : { page_token: pageToken }) });
      entries.push(...(page.entries ?? []));
      pageToken = page.next_page_token ?? '';
    } while (pageToken !== '' && entries.length < limit);
  } catch (error) {
    throw describeClientError(error, url);
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ entries, next_page_token: pageToken }, null, 2)}\n`);
    return 0;
  }
  const style = createStyle(io);
  if (entries.length === 0) {
    io.stdout.write('No audit entries match.\n');
    return 0;
  }
  io.stdout.write(
    formatTable(
      ['TIME', 'ACTION', 'TARGET', 'OUTCOME', 'ACTOR', 'TENANT', 'FROM'],
      entries.map((entry) => [
        (entry.time ?? '').replace(/\.\d+Z$/, 'Z'),
        entry.action ?? '',
        entry.target || '-',
        entry.outcome === 'ok' ? (entry.outcome ?? '') : style.red(entry.outcome ?? '?'),
        entry.actor?.key_id || entry.actor?.name || entry.actor?.source || '?',
        entry.tenant_id || '-',
        entry.client_address || '-',
      ]),
    ),
  );
  const refusals = entries.filter((entry) => entry.message).map((entry) => `${style.red('!')} ${entry.id ?? ''} ${entry.action ?? ''}: ${entry.message}\n`);
  if (refusals.length > 0) io.stdout.write(`\n${refusals.join('')}`);
  if (pageToken !== '') io.stdout.write(style.dim(`more: acai audit --page-token ${pageToken}${values.since === undefined ? '' : ' (with the same filters)'}`) + '\n');
  return 0;
}

/** An RFC 3339 time, or a span back from `now` (`30m`, `24h`, `7d`), as RFC 3339. */
function parseTime(text: string, flag: string, now: number): string {
  const span = SPAN.exec(text);
  if (span !== null) return new Date(now - Number(span[1]) * SPAN_MS[span[2]!]!).toISOString();
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) throw usageError(`${flag} must be an RFC 3339 time (2025-03-01T12:00:00Z) or a span such as 30m, 24h or 7d`, 'audit');
  return new Date(time).toISOString();
}
