import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentTypeOf, etagMatches, indexStaticFiles } from './static-file-index.js';

describe('indexStaticFiles', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'acai-static-'));
    await mkdir(join(root, 'site', 'assets'), { recursive: true });
    await writeFile(join(root, 'site', 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(root, 'site', 'assets', 'index-AbC123.js'), 'console.log(1)');
    await writeFile(join(root, 'site', 'assets', 'index-AbC123.css'), 'body{}');
    await writeFile(join(root, 'site', '.tsbuildinfo'), '{}');
    await writeFile(join(root, 'secret.txt'), 'outside the site');
    await symlink(join(root, 'secret.txt'), join(root, 'site', 'linked.txt'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('holds every regular file with its content type, a content-derived ETag and its cache policy', async () => {
    const files = await indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/' });
    expect([...files!.keys()].sort()).toEqual(['assets/index-AbC123.css', 'assets/index-AbC123.js', 'index.html']);
    const script = files!.get('assets/index-AbC123.js')!;
    expect(script).toMatchObject({ contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' });
    expect(script.body.toString()).toBe('console.log(1)');
    expect(script.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(files!.get('index.html')).toMatchObject({ contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache' });
    expect(files!.get('index.html')!.etag).not.toBe(script.etag);
  });

  it('leaves out dotfiles and symlinks, so nothing outside the folder can be indexed', async () => {
    const files = await indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/' });
    expect(files!.has('.tsbuildinfo')).toBe(false);
    expect(files!.has('linked.txt')).toBe(false);
    expect([...files!.values()].some((file) => file.body.toString() === 'outside the site')).toBe(false);
  });

  it('gives the same ETag for the same content across start-ups and a new one when the content changes', async () => {
    const first = await indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/' });
    const again = await indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/' });
    expect(again!.get('index.html')!.etag).toBe(first!.get('index.html')!.etag);
    await writeFile(join(root, 'site', 'index.html'), '<!doctype html><title>changed</title>');
    const changed = await indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/' });
    expect(changed!.get('index.html')!.etag).not.toBe(first!.get('index.html')!.etag);
  });

  it('answers undefined for a folder that does not exist, and refuses a folder larger than the limit', async () => {
    expect(await indexStaticFiles(join(root, 'missing'), { immutablePrefix: 'assets/' })).toBeUndefined();
    await expect(indexStaticFiles(join(root, 'site'), { immutablePrefix: 'assets/', maxTotalBytes: 10 })).rejects.toThrow(/more than 10 bytes/);
  });
});

describe('contentTypeOf', () => {
  it('knows the types a Vite build emits and treats anything else as opaque bytes', () => {
    expect(contentTypeOf('assets/a.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('assets/font.woff2')).toBe('font/woff2');
    expect(contentTypeOf('payload.exe')).toBe('application/octet-stream');
    expect(contentTypeOf('no-extension')).toBe('application/octet-stream');
  });
});

describe('etagMatches', () => {
  it('matches exact, weak, listed and wildcard validators and nothing else', () => {
    expect(etagMatches('"abc"', '"abc"')).toBe(true);
    expect(etagMatches('W/"abc"', '"abc"')).toBe(true);
    expect(etagMatches('"x", "abc" ,"y"', '"abc"')).toBe(true);
    expect(etagMatches('*', '"abc"')).toBe(true);
    expect(etagMatches('"abcd"', '"abc"')).toBe(false);
    expect(etagMatches('abc', '"abc"')).toBe(false);
    expect(etagMatches(undefined, '"abc"')).toBe(false);
    expect(etagMatches('', '"abc"')).toBe(false);
  });
});
