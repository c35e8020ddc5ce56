import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampDate, timestampFromDate, type Timestamp } from '@bufbuild/protobuf/wkt';
import { AUDIT_ACTIONS, auditReadScope, isAuditAction } from '../audit/index.js';
import { TENANT_ID_PATTERN } from '../auth/index.js';
import { HostError, invalidArgument } from '../errors/index.js';
import { AuditService, type AuditEntrySchema, type ListAuditEntriesRequest } from '../rpc/generated/admin_pb.js';
import type { ServiceImplementation, ServiceMethods } from '../rpc/index.js';
import type { AuditLogStore, AuditQuery, AuditRecord } from '../storage/operator/index.js';
import { decodeAuditPageToken, encodeAuditPageToken } from './audit-page-token.js';
import { requireAdmin } from './plugin-admin-service.js';
import { toWireActor } from './wire-actor.js';

/** The audit service's Twirp descriptor (`acai.admin.AuditService`). */
export { AuditService };

/** The RPCs of `acai.admin.AuditService`, typed from admin.proto. */
export type AuditServiceImplementation = ServiceImplementation<ServiceMethods<typeof AuditService>>;

/** Options of {@link createAuditAdminService}. */
export interface AuditAdminServiceOptions {
  readonly store: Pick<AuditLogStore, 'query'>;
  /** ACAI_OPERATOR_TENANTS: their admin keys read every entry. */
  readonly operatorTenants: readonly string[];
}

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
const MAX_ACTIONS = 20;
const KEY_ID_PATTERN = /^[A-Za-z0-9_]{1,80}$/;

/**
 * `ListAuditEntries`: newest first, keyset-paged, filtered by time, action, actor key and tenant. Every
 * filter is checked before the store is asked, so a hostile value is refused (and never echoed) rather
 * than turned into a query; the tenant filter is forced to the caller's own tenant unless it is an operator.
 */
export function createAuditAdminService(options: AuditAdminServiceOptions): AuditServiceImplementation {
  const operatorTenants = new Set(options.operatorTenants);
  return {
    async listAuditEntries(request, context) {
      const principal = requireAdmin(context);
      const scope = auditReadScope(principal, operatorTenants);
      const requestedTenant = checkedTenant(request.tenantId);
      if (!scope.isOperator && requestedTenant !== undefined && requestedTenant !== scope.tenantId) {
        throw new HostError('HOST_PERMISSION_DENIED', `this key reads only the audit entries of its own tenant; ACAI_OPERATOR_TENANTS names the tenants whose admin keys read all`);
      }
      const pageSize = checkedPageSize(request.pageSize);
      const query: AuditQuery = {
        ...checkedFilters(request),
        ...(scope.isOperator ? (requestedTenant === undefined ? {} : { tenantId: requestedTenant }) : { tenantId: scope.tenantId }),
        ...(request.pageToken === '' ? {} : { after: decodeAuditPageToken(request.pageToken, principal.tenantId) }),
        limit: pageSize + 1,
      };
      const records = await options.store.query(query);
      const page = records.slice(0, pageSize);
      const last = page.at(-1);
      return {
        entries: page.map(toWireEntry),
        nextPageToken: records.length > pageSize && last !== undefined ? encodeAuditPageToken({ at: last.at, id: last.id }, principal.tenantId) : '',
      };
    },
  };
}

function checkedPageSize(pageSize: number): number {
  if (pageSize === 0) return DEFAULT_PAGE_SIZE;
  if (pageSize > MAX_PAGE_SIZE) throw invalidArgument('page_size', `page_size must be from 1 to ${MAX_PAGE_SIZE} (0 for ${DEFAULT_PAGE_SIZE})`);
  return pageSize;
}

function checkedTenant(tenantId: string): string | undefined {
  if (tenantId === '') return undefined;
  if (!TENANT_ID_PATTERN.test(tenantId)) throw invalidArgument('tenant_id', 'tenant_id must be a tenant id (1-64 letters, digits, "_", "." or "-")');
  return tenantId;
}

function checkedFilters(request: ListAuditEntriesRequest): Pick<AuditQuery, 'actions' | 'actorKeyId' | 'since' | 'until'> {
  if (request.actions.length > MAX_ACTIONS) throw invalidArgument('actions', `at most ${MAX_ACTIONS} actions`);
  const unknown = request.actions.filter((action) => !isAuditAction(action));
  if (unknown.length > 0) throw invalidArgument('actions', `unknown action; use ${AUDIT_ACTIONS.join(', ')}`);
  if (request.actorKeyId !== '' && !KEY_ID_PATTERN.test(request.actorKeyId)) throw invalidArgument('actor_key_id', 'actor_key_id must be a key id such as key_3kTq9ZcV0bXy7LmN');
  const since = checkedTime(request.since, 'since');
  const until = checkedTime(request.until, 'until');
  if (since !== undefined && until !== undefined && since.getTime() > until.getTime()) throw invalidArgument('since', 'since is after until');
  return {
    ...(request.actions.length === 0 ? {} : { actions: [...new Set(request.actions)] }),
    ...(request.actorKeyId === '' ? {} : { actorKeyId: request.actorKeyId }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  };
}

function checkedTime(timestamp: Timestamp | undefined, argument: string): Date | undefined {
  if (timestamp === undefined) return undefined;
  const date = timestampDate(timestamp);
  // Dates a Date cannot hold (or a store cannot index) are a client mistake, not a crash.
  if (Number.isNaN(date.getTime()) || date.getTime() < 0 || date.getTime() > 8.64e15) throw invalidArgument(argument, `${argument} is out of range`);
  return date;
}

function toWireEntry(record: AuditRecord): MessageInitShape<typeof AuditEntrySchema> {
  return {
    id: record.id,
    time: timestampFromDate(record.at),
    action: record.action,
    actor: toWireActor(record.actor),
    tenantId: record.tenantId,
    target: record.target,
    clientAddress: record.clientAddress,
    outcome: record.outcome,
    message: record.message,
    details: record.details as MessageInitShape<typeof AuditEntrySchema>['details'],
  };
}
