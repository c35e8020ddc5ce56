import { describe, expect, it } from 'vitest';
import { checkMcpHeaders, type McpHeaderSource } from './check-mcp-headers.js';

const ALLOWED = new Set(['https://console.example.com']);
const BOTH = 'application/json, text/event-stream';

function request(method: string, headers: McpHeaderSource['headers']): McpHeaderSource {
  return { method, headers };
}

describe('checkMcpHeaders', () => {
  it('admits clients that send no Origin (desktop apps, IDEs, SDKs) and allowed browser origins', () => {
    expect(checkMcpHeaders(request('POST', { accept: BOTH, 'content-type': 'application/json' }), ALLOWED)).toBeUndefined();
    expect(checkMcpHeaders(request('POST', { origin: 'https://console.example.com', accept: BOTH, 'content-type': 'application/json; charset=utf-8' }), ALLOWED)).toBeUndefined();
  });

  it('refuses any other Origin with 403 before looking at anything else (DNS rebinding)', () => {
    for (const origin of ['https://evil.example', 'null', 'https://console.example.com.evil.example', 'http://console.example.com']) {
      expect(checkMcpHeaders(request('GET', { origin, accept: 'text/event-stream' }), ALLOWED)).toMatchObject({ status: 403, reason: 'origin' });
    }
  });

  it('requires a POST to accept both JSON and an event stream, and to send JSON', () => {
    expect(checkMcpHeaders(request('POST', { accept: 'application/json', 'content-type': 'application/json' }), ALLOWED)).toMatchObject({ status: 406, reason: 'not_acceptable' });
    expect(checkMcpHeaders(request('POST', { 'content-type': 'application/json' }), ALLOWED)).toMatchObject({ status: 406 });
    expect(checkMcpHeaders(request('POST', { accept: BOTH, 'content-type': 'text/plain' }), ALLOWED)).toMatchObject({ status: 415, reason: 'unsupported_media_type' });
    expect(checkMcpHeaders(request('POST', { accept: BOTH }), ALLOWED)).toMatchObject({ status: 415 });
  });

  it('requires a GET to accept an event stream', () => {
    expect(checkMcpHeaders(request('GET', { accept: 'application/json' }), ALLOWED)).toMatchObject({ status: 406, code: -32000 });
    expect(checkMcpHeaders(request('GET', { accept: 'text/event-stream' }), ALLOWED)).toBeUndefined();
  });

  it('leaves DELETE to the session checks', () => {
    expect(checkMcpHeaders(request('DELETE', {}), ALLOWED)).toBeUndefined();
  });
});
