import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-reader.js';
import { LOG_LEVELS, readLoggingSettings } from './logging-settings.js';

describe('readLoggingSettings', () => {
  it('logs at info without conversation text by default', () => {
    expect(readLoggingSettings(new EnvReader({}, '/srv'))).toEqual({ level: 'info', logContent: false });
  });

  it('accepts every pino level in any case', () => {
    for (const level of LOG_LEVELS) expect(readLoggingSettings(new EnvReader({ LOG_LEVEL: level.toUpperCase() }, '/srv')).level).toBe(level);
  });

  it('reports an unknown level listing the ones it accepts', () => {
    const read = new EnvReader({ LOG_LEVEL: 'loud', LOG_CONTENT: 'all' }, '/srv');
    readLoggingSettings(read);
    expect(read.problems).toEqual(['LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"', 'LOG_CONTENT: expected true or false, got "all"']);
  });
});
