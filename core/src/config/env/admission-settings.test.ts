import { describe, expect, it } from 'vitest';
import { readAdmissionSettings } from './admission-settings.js';
import { EnvReader } from './env-reader.js';

describe('readAdmissionSettings', () => {
  it('bounds chat turns in progress by default, with a short queue and an adaptive limit', () => {
    expect(readAdmissionSettings(new EnvReader({}, '/srv'))).toEqual({ maxInFlight: 256, maxQueued: 256, queueTimeoutMs: 100, targetLoopDelayMs: 50, minInFlight: 8 });
  });

  it('reads each setting, 0 turning the control or the adaptation off', () => {
    const read = new EnvReader({ ADMISSION_MAX_IN_FLIGHT: '0', ADMISSION_MAX_QUEUED: '10', ADMISSION_QUEUE_TIMEOUT_MS: '250', ADMISSION_TARGET_LOOP_DELAY_MS: '0' }, '/srv');
    expect(readAdmissionSettings(read)).toEqual({ maxInFlight: 0, maxQueued: 10, queueTimeoutMs: 250, targetLoopDelayMs: 0, minInFlight: 8 });
    expect(read.problems).toEqual([]);
  });

  it('reports negative, out-of-range, fractional and non-numeric values, naming each variable', () => {
    const read = new EnvReader({ ADMISSION_MAX_IN_FLIGHT: '-1', ADMISSION_MAX_QUEUED: '1e9', ADMISSION_QUEUE_TIMEOUT_MS: 'soon', ADMISSION_TARGET_LOOP_DELAY_MS: '2.5' }, '/srv');
    readAdmissionSettings(read);
    expect(read.problems.map((problem) => problem.split(':')[0])).toEqual([
      'ADMISSION_MAX_IN_FLIGHT',
      'ADMISSION_MAX_QUEUED',
      'ADMISSION_QUEUE_TIMEOUT_MS',
      'ADMISSION_TARGET_LOOP_DELAY_MS',
    ]);
  });
});
