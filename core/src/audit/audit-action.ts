/** Every action the audit trail records. */
export const AUDIT_ACTIONS = [
  'api_key.create',
  'api_key.revoke',
  'plugin.enable',
  'plugin.disable',
  'plugin.clear_override',
  'plugin.reset_breaker',
  'plugin.add',
  'plugin.remove',
  'config.reload',
  'console.sign_in',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `ok`; `refused` (the host kept its previous state); `failed` (an error of the host or its store); `unchanged` (nothing to do). */
export type AuditOutcome = 'ok' | 'refused' | 'failed' | 'unchanged';

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}
