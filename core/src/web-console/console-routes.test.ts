import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_NOT_BUILT_MESSAGE, registerConsoleRoutes } from './console-routes.js';
import { CONSOLE_CONTENT_SECURITY_POLICY } from './console-security-headers.js';
import { indexStaticFiles } from './static-file-index.js';

const SHELL = '<!doctype html><html><head><script type="module" src="/console/assets/index-AbC123.js"></script></head><body></body></html>';

function expectSecurityHeaders(response: LightMyRequestResponse): void {
  expect(response.headers['content-security-policy']).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-frame-options']).toBe('DENY');
}

describe('the console routes', () => {
  let root: string;
  let app: FastifyInstance;
  let bare: FastifyInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'acai-console-routes-'));
    await mkdir(join(root, 'site', 'assets'), { recursive: true });
    await writeFile(join(root, 'site', 'index.html'), SHELL);
    await writeFile(join(root, 'site', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(root, 'site', 'assets', 'index-AbC123.js'), 'document.title = "console"');
    await writeFile(join(root, 'secret.txt'), 'TOP SECRET');
    app = Fastify();
    registerConsoleRoutes(app, { files: await indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/' }) });
    bare = Fastify();
    registerConsoleRoutes(bare, { files: await indexStaticFiles(join(root, 'not-built'), { immutablePrefix: 'assets/' }) });
  });
  afterAll(async () => {
    await app.close();
    await bare.close();
    await rm(root, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('serves index.html at /console and /console/ with no-cache, an ETag and the security headers', async () => {
    for (const url of ['/console', '/console/', '/console?x=1']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers.etag).toMatch(/^".+"$/);
      expect(response.body).toBe(SHELL);
      expectSecurityHeaders(response);
    }
  });

  it('keeps unsafe-inline and unsafe-eval out of the policy and forbids framing, plugins and foreign connections', () => {
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) {
      expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain(directive);
    }
  });

  it('serves hashed assets with a year of caching and other files with revalidation', async () => {
    const script = await get('/console/assets/index-AbC123.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(script);
    const icon = await get('/console/favicon.svg');
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers a matching If-None-Match with 304 and no body, a stale one with the file', async () => {
    const first = await get('/console/assets/index-AbC123.js');
    const etag = first.headers.etag as string;
    const revalidated = await get('/console/assets/index-AbC123.js', { 'if-none-match': etag });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.etag).toBe(etag);
    expectSecurityHeaders(revalidated);
    expect((await get('/console/assets/index-AbC123.js', { 'if-none-match': `W/${etag}` })).statusCode).toBe(304);
    expect((await get('/console/assets/index-AbC123.js', { 'if-none-match': '"stale"' })).statusCode).toBe(200);
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await app.inject({ method: 'HEAD', url: '/console/assets/index-AbC123.js' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expectSecurityHeaders(response);
  });

  it('falls back to index.html for client-side routes, but not for missing assets or file-like paths', async () => {
    for (const url of ['/console/chat/665f1c2e9a7b3d0012345678', '/console/plugins', '/console/metrics/']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(SHELL);
    }
    for (const url of ['/console/assets/missing-123.js', '/console/assets/chat', '/console/robots.txt', '/console/chat/a.b']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toBe('text/plain; charset=utf-8');
      expectSecurityHeaders(response);
    }
  });

  it('cannot be walked out of its folder, whatever the encoding', async () => {
    const attempts = [
      '/console/../secret.txt',
      '/console/..%2fsecret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/assets/..%2F..%2Fsecret.txt',
      '/console/%2e%2e%5csecret.txt',
      '/console/....//secret.txt',
      '/console/%252e%252e%252fsecret.txt',
      '/console/assets%00/index-AbC123.js',
      '/console//etc/passwd',
      `/console/${'a/'.repeat(2000)}`,
    ];
    for (const url of attempts) {
      const response = await get(url);
      expect(response.body, url).not.toContain('TOP SECRET');
      expect(response.body, url).not.toContain('root:');
      expect([200, 400, 404], url).toContain(response.statusCode);
      if (response.statusCode === 200) expect(response.body, url).toBe(SHELL);
    }
  });

  it('refuses other methods with 405 and the security headers', async () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const response = await app.inject({ method, url: '/console/assets/index-AbC123.js', payload: 'x' });
      expect(response.statusCode).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
      expectSecurityHeaders(response);
    }
  });

  it('explains how to build the console when it was not built, instead of failing', async () => {
    for (const url of ['/console', '/console/', '/console/chat/abc', '/console/assets/index-AbC123.js']) {
      const response = await bare.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body).toBe(CONSOLE_NOT_BUILT_MESSAGE);
      expect(response.body).toContain('npm run build');
      expectSecurityHeaders(response);
    }
  });
});
