import { ToolError } from '@acai/plugin-sdk';
import { describe, expect, it } from 'vitest';
import { toToolOutput } from './mcp-tool-output.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('toToolOutput', () => {
  it('joins text blocks and passes structured content on as data', () => {
    expect(toToolOutput({ content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] }, 'tool')).toBe('one\ntwo');
    expect(toToolOutput({ content: [{ type: 'text', text: 'sunny' }], structuredContent: { temperature: 21 } }, 'tool')).toEqual({ content: 'sunny', data: { temperature: 21 } });
    expect(toToolOutput({ content: [], structuredContent: { temperature: 21 } }, 'tool')).toEqual({ content: '{"temperature":21}', data: { temperature: 21 } });
  });

  it('describes binary and resource blocks in readable text instead of passing base64 on', () => {
    const text = toToolOutput(
      {
        content: [
          // Zero bytes are no PNG: described, not shown.
          { type: 'image', data: Buffer.alloc(300).toString('base64'), mimeType: 'image/png' },
          { type: 'audio', data: Buffer.alloc(10).toString('base64'), mimeType: 'audio/wav' },
          { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'inside' } },
          { type: 'resource', resource: { uri: 'file:///b.bin', blob: Buffer.alloc(7).toString('base64') } },
          { type: 'resource_link', uri: 'https://example.com/doc', name: 'doc', mimeType: 'text/html', description: 'the manual' },
        ],
      },
      'tool',
    );
    expect(text).toBe(
      [
        '[image image/png, 300 bytes, not shown: the data is not a PNG image]',
        '[audio audio/wav, 10 bytes, not shown]',
        '[resource file:///a.txt (text/plain)]\ninside',
        '[resource file:///b.bin] 7 bytes of binary content, not shown',
        '[resource link doc https://example.com/doc (text/html)] the manual',
      ].join('\n'),
    );
    expect(String(text)).not.toContain(Buffer.alloc(300).toString('base64'));
  });

  it('passes checked images on for the user, telling the model they were shown', () => {
    const png = Buffer.concat([PNG_SIGNATURE, Buffer.from('pixels')]);
    const output = toToolOutput(
      {
        content: [
          { type: 'text', text: 'Here is the chart' },
          // Base64 with line breaks, as some servers send it: accepted and re-encoded without them.
          { type: 'image', data: png.toString('base64').replace(/(.{8})/g, '$1\n'), mimeType: 'IMAGE/PNG' },
        ],
        structuredContent: { points: 3 },
      },
      'chart',
    );
    expect(output).toEqual({
      content: `Here is the chart\n[image image/png, ${png.length} bytes, shown to the user]`,
      data: { points: 3 },
      images: [{ mimeType: 'image/png', data: png.toString('base64') }],
    });
    expect(toToolOutput({ content: [{ type: 'image', data: png.toString('base64'), mimeType: 'image/png' }] }, 'chart')).toMatchObject({
      content: `[image image/png, ${png.length} bytes, shown to the user]`,
      images: [{ mimeType: 'image/png' }],
    });
  });

  it('turns isError into an UPSTREAM_FAILED ToolError carrying the server\'s text', () => {
    const failure = (() => {
      try {
        toToolOutput({ content: [{ type: 'text', text: 'quota exceeded' }], isError: true }, 'search');
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(ToolError.isInstance(failure) && { code: failure.code, message: failure.message }).toEqual({ code: 'UPSTREAM_FAILED', message: 'quota exceeded' });
    expect(() => toToolOutput({ content: [], isError: true }, 'search')).toThrow('The tool "search" reported an error without a message.');
  });
});
