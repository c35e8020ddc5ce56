import type { Principal } from '../auth/index.js';

/** Which entries a caller may read: every tenant's (an operator), or one tenant's. */
export type AuditReadScope = { readonly isOperator: true } | { readonly isOperator: false; readonly tenantId: string };

/**
 * Admin keys of an operator tenant (ACAI_OPERATOR_TENANTS) and an auth-disabled development host read the
 * whole log, the host's own entries included; any other admin key reads only its own tenant's entries.
 */
export function auditReadScope(principal: Principal, operatorTenants: ReadonlySet<string>): AuditReadScope {
  if (principal.source === 'auth_disabled' || operatorTenants.has(principal.tenantId)) return { isOperator: true };
  return { isOperator: false, tenantId: principal.tenantId };
}
