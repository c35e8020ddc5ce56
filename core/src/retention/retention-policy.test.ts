import { describe, expect, it } from 'vitest';
import { deletesAnything, sweepTargets } from './retention-policy.js';

const NOW = new Date('2026-06-30T00:00:00Z');
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

describe('the retention policy', () => {
  it('sweeps each tenant with a retention of its own, then everyone else under the default', () => {
    expect(sweepTargets({ defaultDays: 90, tenantDays: { globex: 0, acme: 30 } }, NOW)).toEqual([
      { scope: { tenantId: 'acme' }, before: daysBefore(30) },
      { scope: { exceptTenantIds: ['acme', 'globex'] }, before: daysBefore(90) },
    ]);
  });

  it('keeps everything with no default, except tenants that chose a retention', () => {
    expect(sweepTargets({ defaultDays: 0, tenantDays: { acme: 7 } }, NOW)).toEqual([{ scope: { tenantId: 'acme' }, before: daysBefore(7) }]);
    expect(sweepTargets({ defaultDays: 0, tenantDays: { acme: 0 } }, NOW)).toEqual([]);
    expect(deletesAnything({ defaultDays: 0, tenantDays: { acme: 0 } })).toBe(false);
    expect(deletesAnything({ defaultDays: 0, tenantDays: { acme: 1 } })).toBe(true);
    expect(deletesAnything({ defaultDays: 1, tenantDays: {} })).toBe(true);
  });
});
