import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { containsInitialize, isMalformedInitialize, MAX_BATCH_MESSAGES, parseMcpMessages } from './parse-mcp-messages.js';

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'ide', version: '1' } } };
const LIST = { jsonrpc: '2.0', id: 2, method: 'tools/list' };

describe('parseMcpMessages', () => {
  it('parses one message or a batch of up to the maximum', () => {
    expect(parseMcpMessages(JSON.stringify(LIST))).toEqual({ body: LIST });
    const batch = Array.from({ length: MAX_BATCH_MESSAGES }, (_, index) => ({ ...LIST, id: index }));
    expect(parseMcpMessages(JSON.stringify(batch))).toEqual({ body: batch });
  });

  it('answers a body that is not JSON with the JSON-RPC parse error', () => {
    for (const body of ['{"jsonrpc":', '', undefined, '\u0000', 'NaN']) {
      expect(parseMcpMessages(body)).toMatchObject({ status: 400, code: -32700, reason: 'parse_error' });
    }
  });

  it('refuses empty and oversized batches, naming the limit', () => {
    expect(parseMcpMessages('[]')).toMatchObject({ status: 400, code: -32600, reason: 'invalid_batch' });
    const tooMany = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, () => LIST);
    const refusal = parseMcpMessages(JSON.stringify(tooMany));
    expect(refusal).toMatchObject({ status: 400, reason: 'invalid_batch' });
    expect(refusal).toHaveProperty('message', expect.stringContaining(`1 to ${MAX_BATCH_MESSAGES} messages (got ${MAX_BATCH_MESSAGES + 1})`));
  });

  it('leaves the shape of each message to the SDK (a hostile __proto__ key is just data)', () => {
    const parsed = parseMcpMessages('{"__proto__":{"polluted":true},"jsonrpc":"2.0"}');
    expect(parsed).toHaveProperty('body');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('initialize detection', () => {
  it('finds a well-formed initialize alone or in a batch', () => {
    expect(containsInitialize(INITIALIZE)).toBe(true);
    expect(containsInitialize([LIST, INITIALIZE])).toBe(true);
    expect(containsInitialize(LIST)).toBe(false);
    expect(containsInitialize(undefined)).toBe(false);
  });

  it('tells an initialize the SDK would not recognise from other messages', () => {
    expect(isMalformedInitialize({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} })).toBe(true);
    expect(isMalformedInitialize([LIST, { jsonrpc: '2.0', id: 3, method: 'initialize' }])).toBe(true);
    expect(isMalformedInitialize(INITIALIZE)).toBe(false);
    expect(isMalformedInitialize(LIST)).toBe(false);
    expect(isMalformedInitialize(null)).toBe(false);
    expect(isMalformedInitialize('initialize')).toBe(false);
  });
});
