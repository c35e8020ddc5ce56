import { describe, expect, it } from 'vitest';
import { toTwirpError } from '../errors/index.js';
import { parseConversationId, requireConversationId } from './conversation-id.js';

/** Ids no conversation can have: what old clients, typos and attackers send. */
const MALFORMED = [
  'not-an-object-id',
  'xyz',
  ' ',
  ' 0123456789abcdef01234567',
  '0123456789abcdef01234567 ',
  '0123456789abcdef0123456',
  '0123456789abcdef012345678',
  '0123456789abcdef0123456g',
  'ｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆｆ',
  '０１２３４５６７８９ａｂｃｄｅｆ０１２３４５６７',
  '0123456789abcdef0123456\u0000',
  '0123456789abcdef0123456\u0130',
  "' OR '1'='1' -- 0123456789",
  '{"$ne":null}',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  'a'.repeat(1_000_000),
];

describe('parseConversationId', () => {
  it('answers the lower-case form of a 24-hex id, whatever its case', () => {
    expect(parseConversationId('0123456789abcdef01234567')).toBe('0123456789abcdef01234567');
    expect(parseConversationId('0123456789ABCDEF01234567')).toBe('0123456789abcdef01234567');
  });

  it('answers not_found for every malformed id, without echoing it, as the old service did', () => {
    for (const raw of MALFORMED) {
      let thrown: unknown;
      try {
        parseConversationId(raw);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(raw.slice(0, 40))).toMatchObject({ code: 'HOST_CONVERSATION_NOT_FOUND', message: 'invalid conversation ID' });
      const wire = toTwirpError(thrown);
      expect(wire.httpStatus).toBe(404);
      expect(wire.toJSON()).toEqual({ code: 'not_found', msg: 'invalid conversation ID' });
    }
  });
});

describe('requireConversationId', () => {
  it('calls an empty id a missing argument and anything else it cannot parse not found', () => {
    expect(() => requireConversationId('')).toThrow(expect.objectContaining({ code: 'HOST_INVALID_ARGUMENT', meta: { argument: 'conversation_id' } }));
    expect(() => requireConversationId('   ')).toThrow(expect.objectContaining({ code: 'HOST_CONVERSATION_NOT_FOUND' }));
    expect(requireConversationId('FFFFFFFFFFFFFFFFFFFFFFFF')).toBe('ffffffffffffffffffffffff');
  });
});
