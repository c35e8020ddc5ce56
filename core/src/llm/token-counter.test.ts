import { describe, expect, it } from 'vitest';
import { createTokenCounter, encodingForModel, MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS } from './token-counter.js';

describe('token counter', () => {
  it('picks cl100k_base for older OpenAI families and o200k_base otherwise', () => {
    expect(encodingForModel('gpt-4')).toBe('cl100k_base');
    expect(encodingForModel('gpt-4-turbo')).toBe('cl100k_base');
    expect(encodingForModel('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingForModel('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingForModel('gpt-4.1')).toBe('o200k_base');
    expect(encodingForModel('llama3.1:8b')).toBe('o200k_base');
    expect(encodingForModel(undefined)).toBe('o200k_base');
  });

  it('counts offline, adds per-message overhead and treats special tokens as text', () => {
    const counter = createTokenCounter('gpt-4o');
    const text = counter.countText('hello world');
    expect(text).toBe(2);
    expect(counter.countText('<|endoftext|>')).toBeGreaterThan(1);
    expect(counter.countPrompt([{ role: 'user', content: 'hello world' }])).toBe(REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS + text);
  });

  it('counts the tools as they go on the wire: one form of each schema, not the loose one next to it', () => {
    const counter = createTokenCounter('gpt-4o');
    const parameters = { type: 'object', properties: { time_zone: { type: ['string', 'null'], description: 'IANA zone' } }, required: ['time_zone'], additionalProperties: false };
    const offered = { type: 'function', function: { name: 'datetime__get_current_time', description: 'Now', parameters, strict: true } } as const;
    const withLoose = counter.countTools([{ ...offered, looseParameters: { ...parameters, required: [] } }]);
    expect(withLoose).toBe(counter.countTools([offered]));
    expect(withLoose).toBe(counter.countText(JSON.stringify([offered])));
  });

  it('learns a bounded correction ratio from reported usage', () => {
    const counter = createTokenCounter('local-model');
    expect(counter.corrected(100)).toBe(100);
    counter.observe(100, 150);
    expect(counter.correctionRatio).toBeCloseTo(1.5);
    counter.observe(100, 100_000);
    expect(counter.correctionRatio).toBeLessThanOrEqual(4);
    counter.observe(0, 10);
    expect(Number.isFinite(counter.correctionRatio)).toBe(true);
  });
});
