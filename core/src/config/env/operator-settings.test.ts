import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { readOperatorSettings } from './operator-settings.js';

describe('readOperatorSettings', () => {
  it('makes the ops and default tenants operators, polls overrides every 5 s and keeps audit entries a year by default', () => {
    expect(readOperatorSettings(new EnvReader({}, '/srv'))).toEqual({ tenants: ['ops', 'default'], overridesPollMs: 5_000, auditRetentionDays: 365 });
  });

  it('reads each setting, 0 days keeping the audit log forever', () => {
    const read = new EnvReader({ ACAI_OPERATOR_TENANTS: 'platform, sre', PLUGINS_OVERRIDES_POLL_MS: '250', AUDIT_RETENTION_DAYS: '0' }, '/srv');
    expect(readOperatorSettings(read)).toEqual({ tenants: ['platform', 'sre'], overridesPollMs: 250, auditRetentionDays: 0 });
    expect(read.problems).toEqual([]);
  });

  it('reports tenant ids that cannot be tenants and out-of-range numbers, naming the variable', () => {
    const read = new EnvReader({ ACAI_OPERATOR_TENANTS: 'ops,../etc,{"$ne":1}', PLUGINS_OVERRIDES_POLL_MS: '1', AUDIT_RETENTION_DAYS: '-3' }, '/srv');
    expect(readOperatorSettings(read).tenants).toEqual(['ops']);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual(['ACAI_OPERATOR_TENANTS', 'ACAI_OPERATOR_TENANTS', 'PLUGINS_OVERRIDES_POLL_MS', 'AUDIT_RETENTION_DAYS']);
  });

  it('keeps the defaults when the variable lists nothing', () => {
    const read = new EnvReader({ ACAI_OPERATOR_TENANTS: ',,' }, '/srv');
    expect(readOperatorSettings(read).tenants).toEqual(['ops', 'default']);
  });
});
