import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type ServerSentEvent } from './read-server-sent-events.js';

async function parse(chunks: readonly (string | Uint8Array)[], maxEventBytes?: number): Promise<ServerSentEvent[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
  }
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(body(), maxEventBytes === undefined ? {} : { maxEventBytes })) events.push(event);
  return events;
}

describe('readServerSentEvents', () => {
  it('dispatches named events on blank lines and skips comments', async () => {
    const events = await parse([': keep-alive\n\nevent: delta\ndata: {"text":"Hi"}\n\n: keep-alive\n\nevent: message\ndata: {}\n\n']);
    expect(events).toEqual([
      { event: 'delta', data: '{"text":"Hi"}' },
      { event: 'message', data: '{}' },
    ]);
  });

  it('reassembles lines and multi-byte characters split across chunks', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"café ☕"}\n\n');
    const chunks = Array.from(bytes, (byte) => new Uint8Array([byte]));
    expect(await parse(chunks)).toEqual([{ event: 'delta', data: '{"text":"café ☕"}' }]);
  });

  it('accepts CRLF and lone CR line ends, also when a CRLF is split between chunks', async () => {
    expect(await parse(['event: a\r\ndata: 1\r', '\n\r\nevent: b\rdata: 2\r\r'])).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
  });

  it('joins several data lines with newlines, strips one leading space and defaults the name to message', async () => {
    expect(await parse(['data:first\ndata:  second\ndata\n\n'])).toEqual([{ event: 'message', data: 'first\n second\n' }]);
  });

  it('ignores an event the stream ended in the middle of, and blocks without data', async () => {
    expect(await parse(['event: lonely\n\nevent: cut\ndata: {"text":"par'])).toEqual([]);
  });

  it('reassembles one long data line delivered in many chunks, with line ends at chunk edges', async () => {
    const piece = 'z'.repeat(4096);
    const chunks = ['event: delta\ndata: ', ...Array.from({ length: 256 }, () => piece), '\n', '\nevent: message\ndata: {}', '\n\n'];
    const events = await parse(chunks);
    expect(events.map((event) => [event.event, event.data.length])).toEqual([
      ['delta', 256 * 4096],
      ['message', 2],
    ]);
  });

  it('refuses an event that grows past the size limit instead of buffering it', async () => {
    const endless = ['event: delta\ndata: ', ...Array.from({ length: 20 }, () => 'x'.repeat(100))];
    await expect(parse(endless, 1_000)).rejects.toThrow(/larger than 1000/);
    const manyLines = Array.from({ length: 30 }, () => `data: ${'y'.repeat(60)}\n`);
    await expect(parse(manyLines, 1_000)).rejects.toThrow(/larger than 1000/);
  });
});
