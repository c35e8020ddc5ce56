import { describe, expect, it } from 'vitest';
import { sessionKey } from './session-key.js';

describe('sessionKey', () => {
  it('names tenant, platform, chat and user', () => {
    expect(sessionKey('acme', { platform: 'telegram', chatId: '-100', userId: '42' })).toBe('session:acme:telegram:-100:42');
  });

  it('cannot collide when ids contain the separator', () => {
    const first = sessionKey('t', { platform: 'a:b', chatId: 'c', userId: 'd' });
    const second = sessionKey('t', { platform: 'a', chatId: 'b:c', userId: 'd' });
    expect(first).not.toBe(second);
    expect(sessionKey('t:x', { platform: 'p', chatId: 'c', userId: 'u' })).not.toBe(sessionKey('t', { platform: 'x:p', chatId: 'c', userId: 'u' }));
  });
});
