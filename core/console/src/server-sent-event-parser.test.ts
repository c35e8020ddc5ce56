import { describe, expect, it } from 'vitest';
import { ServerSentEventParser, type ServerSentEvent } from './server-sent-event-parser.js';

const STREAM =
  ': keep-alive\n\n' +
  'event: conversation\ndata: {"conversation_id":"c1","is_new":true}\n\n' +
  'event: delta\ndata: {"text":"Hel"}\n\n' +
  'event: delta\ndata: {"text":"lo \\u00e9t\u00e9 \ud83c\udf1e"}\n\n' +
  'event: message\ndata: {"conversation_id":"c1","message_id":"m1","reply":"Hello"}\n\n';

function parseInPieces(text: string, sizes: (index: number) => number): ServerSentEvent[] {
  const parser = new ServerSentEventParser();
  const events: ServerSentEvent[] = [];
  let offset = 0;
  for (let index = 0; offset < text.length; index += 1) {
    const size = Math.max(1, sizes(index));
    events.push(...parser.push(text.slice(offset, offset + size)));
    offset += size;
  }
  return events;
}

describe('ServerSentEventParser', () => {
  it('parses named events with JSON data and skips comments', () => {
    const parser = new ServerSentEventParser();
    const events = parser.push(STREAM);
    expect(events.map((event) => event.event)).toEqual(['conversation', 'delta', 'delta', 'message']);
    expect(JSON.parse(events[1]!.data)).toEqual({ text: 'Hel' });
    expect(JSON.parse(events[2]!.data)).toEqual({ text: 'lo été 🌞' });
    expect(parser.comments).toBe(1);
  });

  it('yields the same events however the stream is cut into pieces', () => {
    const whole = new ServerSentEventParser().push(STREAM);
    expect(parseInPieces(STREAM, () => 1)).toEqual(whole);
    expect(parseInPieces(STREAM, (index) => (index * 7) % 13)).toEqual(whole);
    for (let cut = 1; cut < STREAM.length; cut += 1) {
      expect(parseInPieces(STREAM, (index) => (index === 0 ? cut : STREAM.length))).toEqual(whole);
    }
  });

  it('accepts CRLF and bare CR line ends, also when a CRLF is split across pieces', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    const cr = STREAM.replace(/\n/g, '\r');
    const expected = new ServerSentEventParser().push(STREAM);
    expect(new ServerSentEventParser().push(crlf)).toEqual(expected);
    expect(new ServerSentEventParser().push(cr)).toEqual(expected);
    expect(parseInPieces(crlf, () => 1)).toEqual(expected);
    const parser = new ServerSentEventParser();
    expect(parser.push('event: delta\r')).toEqual([]);
    expect(parser.push('\ndata: x\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ event: 'delta', data: 'x' }]);
  });

  it('joins multi-line data with newlines, keeps extra spaces and defaults the event name to message', () => {
    const events = new ServerSentEventParser().push('data: first\ndata:  second\ndata\ndata:third\n\n');
    expect(events).toEqual([{ event: 'message', data: 'first\n second\n\nthird' }]);
  });

  it('ignores unknown fields and retry, does not dispatch events without data, and drops a leading BOM', () => {
    const parser = new ServerSentEventParser();
    expect(parser.push('\uFEFFevent: lonely\nretry: 10\nweird: field\n\n')).toEqual([]);
    expect(parser.push('event: real\nid: 7\ndata: {}\n\n')).toEqual([{ event: 'real', data: '{}', lastEventId: '7' }]);
  });

  it('discards an unfinished event when the stream ends', () => {
    const parser = new ServerSentEventParser();
    expect(parser.push('event: delta\ndata: {"text":"cut off"}')).toEqual([]);
    expect(parser.push('\n')).toEqual([]);
  });

  it('refuses an event that grows past the limit instead of buffering without end', () => {
    const parser = new ServerSentEventParser({ maxEventCharacters: 64 });
    expect(() => parser.push(`data: ${'x'.repeat(100)}`)).toThrow(RangeError);
    const lines = new ServerSentEventParser({ maxEventCharacters: 64 });
    expect(() => {
      for (let index = 0; index < 20; index += 1) lines.push('data: 0123456789\n');
    }).toThrow(RangeError);
    // The limit is per event: many small events are fine.
    const many = new ServerSentEventParser({ maxEventCharacters: 64 });
    expect(many.push('data: 0123456789\n\n'.repeat(100))).toHaveLength(100);
  });

  it('keeps hostile payloads as opaque text', () => {
    const [event] = new ServerSentEventParser().push('event: delta\ndata: {"text":"<script>alert(1)</script>"}\n\n');
    expect(JSON.parse(event!.data).text).toBe('<script>alert(1)</script>');
  });
});
