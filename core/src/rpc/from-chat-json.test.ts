import { describe, expect, it } from 'vitest';
import { continueInputFromJson, describeInputFromJson, listInputFromJson, startInputFromJson } from './from-chat-json.js';
import { MalformedRequestError } from './twirp-codec.js';

function malformed(read: () => unknown): MalformedRequestError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedRequestError);
    return error as MalformedRequestError;
  }
  throw new Error('expected a malformed request');
}

describe('reading in-process chat requests', () => {
  it('reads the fields the use cases take, ignoring unknown ones', () => {
    expect(
      continueInputFromJson({ conversation_id: 'abc', message: 'hi', session_metadata: { platform: 'telegram', user_id: '1', chat_id: '2' }, extra: true }),
    ).toEqual({ conversationId: 'abc', message: 'hi', session: { platform: 'telegram', userId: '1', chatId: '2' } });
    expect(listInputFromJson({ page_size: 10, page_token: 'next' })).toEqual({ pageSize: 10, pageToken: 'next' });
    expect(describeInputFromJson({ conversation_id: 'abc' })).toEqual({ conversationId: 'abc' });
  });

  it('reads missing and null fields as their defaults, as the JSON decoder does', () => {
    expect(startInputFromJson({})).toEqual({ message: '', session: undefined });
    expect(continueInputFromJson({ conversation_id: null, message: null, session_metadata: null })).toEqual({ conversationId: '', message: '', session: undefined });
    expect(startInputFromJson({ message: 'hi', session_metadata: {} })).toEqual({ message: 'hi', session: { platform: '', userId: '', chatId: '' } });
    expect(listInputFromJson({})).toEqual({ pageSize: 0, pageToken: '' });
  });

  it('answers malformed for requests that are not objects', () => {
    for (const request of [null, undefined, 'hi', 42, ['message'], true]) {
      const error = malformed(() => startInputFromJson(request));
      expect(error.code).toBe('malformed');
      expect(error.message).toBe('the json request could not be decoded');
    }
  });

  it('answers malformed for fields of the wrong type, naming the field only in the logged cause', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => startInputFromJson({ message: 42 }), 'message: expected a string'],
      [() => startInputFromJson({ message: { toString: () => 'hi' } }), 'message: expected a string'],
      [() => continueInputFromJson({ message: 'hi', conversation_id: ['a'] }), 'conversation_id: expected a string'],
      [() => continueInputFromJson({ message: 'hi', session_metadata: ['telegram'] }), 'session_metadata: expected an object'],
      [() => continueInputFromJson({ message: 'hi', session_metadata: 'telegram' }), 'session_metadata: expected an object'],
      [() => startInputFromJson({ message: 'hi', session_metadata: { platform: 'x', user_id: 1, chat_id: '2' } }), 'session_metadata.user_id: expected a string'],
      [() => describeInputFromJson({ conversation_id: 7 }), 'conversation_id: expected a string'],
    ];
    for (const [read, detail] of cases) {
      const error = malformed(read);
      expect(error.message).toBe('the json request could not be decoded');
      expect((error.decodeError as Error).message).toBe(detail);
    }
  });

  it('accepts only uint32 page sizes', () => {
    expect(listInputFromJson({ page_size: 0xffff_ffff }).pageSize).toBe(0xffff_ffff);
    for (const pageSize of [-1, 1.5, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY, '10', true]) {
      expect((malformed(() => listInputFromJson({ page_size: pageSize })).decodeError as Error).message).toBe('page_size: expected a uint32');
    }
  });
});
