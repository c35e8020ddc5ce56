import { describe, expect, it } from 'vitest';
import { createSystemPrompts, DEFAULT_SYSTEM_PROMPT } from './system-prompts.js';

const clock = { now: () => new Date('2026-03-01T14:30:00Z'), timeZone: 'Europe/Madrid' };
const tools = [
  {
    type: 'function' as const,
    function: { name: 'weather__get_current', description: 'Current weather for a place. Uses a provider.', parameters: {} },
  },
];

describe('system prompts', () => {
  it('states the date, time zone and tools after the built-in prompt', () => {
    const rendered = createSystemPrompts({ clock }).render({ tenantId: 'default', tools });
    expect(rendered.content.startsWith(DEFAULT_SYSTEM_PROMPT)).toBe(true);
    expect(rendered.content).toContain('Sunday, 1 March 2026');
    expect(rendered.content).toContain('15:30');
    expect(rendered.content).toContain('Europe/Madrid');
    expect(rendered.content).toContain('- weather__get_current: Current weather for a place.');
    expect(rendered.version).toMatch(/^sp-[0-9a-f]{12}$/);
  });

  it('words the time to the minute, so the prompt is the same for every turn within a minute', () => {
    let now = new Date('2026-03-01T14:30:05.123Z');
    const prompts = createSystemPrompts({ clock: { now: () => now, timeZone: 'Europe/Madrid' } });
    const first = prompts.render({ tenantId: 'default', tools }).content;
    expect(first).toContain('ISO 2026-03-01T14:30Z');
    now = new Date('2026-03-01T14:30:59.999Z');
    expect(prompts.render({ tenantId: 'default', tools }).content).toBe(first);
    now = new Date('2026-03-01T14:31:00.000Z');
    const next = prompts.render({ tenantId: 'default', tools }).content;
    expect(next).toContain('15:31');
    expect(next).toContain('ISO 2026-03-01T14:31Z');
  });

  it('picks the most specific operator prompt and versions each template', () => {
    const prompts = createSystemPrompts({
      clock,
      config: {
        default: 'global',
        platforms: { telegram: 'terse telegram' },
        tenants: { acme: { default: 'acme default', platforms: { telegram: 'acme telegram' } } },
      },
    });
    const pick = (tenantId: string, platform?: string) => prompts.render({ tenantId, platform, tools: [] });
    expect(pick('other').content.startsWith('global')).toBe(true);
    expect(pick('other', 'telegram').content.startsWith('terse telegram')).toBe(true);
    expect(pick('acme').content.startsWith('acme default')).toBe(true);
    expect(pick('acme', 'telegram').content.startsWith('acme telegram')).toBe(true);
    expect(pick('acme', 'telegram').version).not.toBe(pick('other', 'telegram').version);
    expect(pick('other').version).toBe(pick('other', 'web').version);
    expect(pick('other').content).toContain('No tools are available');
  });
});
