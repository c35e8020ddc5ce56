import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createClientIpResolver } from '../client-address/index.js';
import { cachedCallerCheck } from './cached-caller.js';
import { createAuthenticator } from './create-authenticator.js';
import { parseBootstrapKeys } from './static-api-key-source.js';

const CHAT_KEY = 'acai_cachedCallerCHAT0123456789abc';
const METRICS_KEY = 'acai_cachedCallerMETRICS012345678a';

function request(headers: Record<string, string>): IncomingMessage {
  return { headers, socket: { remoteAddress: '198.51.100.7' } } as unknown as IncomingMessage;
}

describe('cachedCallerCheck', () => {
  it('knows a caller only once the authenticator has a valid, cached lookup of its key with the scope', async () => {
    const authenticator = createAuthenticator({ sources: [parseBootstrapKeys(`${CHAT_KEY}:acme:chat,${METRICS_KEY}:acme:metrics`)] });
    const isKnown = cachedCallerCheck(authenticator, createClientIpResolver([]), 'chat');
    const chat = request({ authorization: `Bearer ${CHAT_KEY}` });
    expect(isKnown(chat)).toBe(false); // never looked up: the full path authenticates it
    await authenticator.authenticate({ apiKey: CHAT_KEY, clientIp: '198.51.100.7' });
    expect(isKnown(chat)).toBe(true);
    expect(isKnown(request({ 'x-api-key': CHAT_KEY }))).toBe(true);

    await authenticator.authenticate({ apiKey: METRICS_KEY, clientIp: '198.51.100.7' });
    expect(isKnown(request({ authorization: `Bearer ${METRICS_KEY}` }))).toBe(false); // valid, but not for chat
    const stranger = 'acai_cachedCallerSTRANGER0123456789';
    await authenticator.authenticate({ apiKey: stranger, clientIp: '198.51.100.7' });
    expect(isKnown(request({ authorization: `Bearer ${stranger}` }))).toBe(false); // cached as unknown
    expect(isKnown(request({}))).toBe(false);
    expect(isKnown(request({ authorization: `Bearer ${CHAT_KEY}`, 'x-api-key': stranger }))).toBe(false);
    expect(isKnown(request({ authorization: `Basic ${CHAT_KEY}` }))).toBe(false);
    authenticator.clearCache();
    expect(isKnown(chat)).toBe(false);
  });

  it('knows every caller when authentication is off', () => {
    const isKnown = cachedCallerCheck(createAuthenticator({ sources: [], disabled: true }), createClientIpResolver([]), 'chat');
    expect(isKnown(request({}))).toBe(true);
  });
});
