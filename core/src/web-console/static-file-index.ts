import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

/** One file of a built static site, held in memory with the headers it is served with. */
export interface StaticFile {
  /** Path relative to the site root with `/` separators, e.g. `assets/index-B9f_eZ27.js`. */
  readonly path: string;
  readonly body: Buffer;
  readonly contentType: string;
  /** A strong validator derived from the content. */
  readonly etag: string;
  readonly cacheControl: string;
}

/** Options for {@link indexStaticFiles}. */
export interface StaticFileIndexOptions {
  /**
   * Files under this folder carry a content hash in their names (Vite's `assets/`), so they may be
   * cached for a year; everything else (index.html above all) is revalidated on every use.
   */
  readonly immutablePrefix: string;
  /** Refuse to hold more than this many bytes in memory (a guard against pointing at the wrong folder). */
  readonly maxTotalBytes?: number;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
};

const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** The content type a file is served with (by extension; unknown types are opaque bytes). */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Reads every file under `directory` into memory once, so serving is a map lookup: no request ever
 * touches the filesystem, and a path that is not in the map (`../`, encoded tricks, symlinks) cannot
 * be served. Dotfiles and symlinks are left out. Resolves `undefined` when the folder does not exist.
 */
export async function indexStaticFiles(directory: string, options: StaticFileIndexOptions): Promise<ReadonlyMap<string, StaticFile> | undefined> {
  let entries;
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const limit = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const files = new Map<string, StaticFile>();
  let totalBytes = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const absolute = join(entry.parentPath, entry.name);
    const path = relative(directory, absolute).split(sep).join('/');
    if (path.split('/').some((segment) => segment.startsWith('.'))) continue;
    const body = await readFile(absolute);
    totalBytes += body.length;
    if (totalBytes > limit) throw new Error(`${directory} holds more than ${limit} bytes; is it really a built static site?`);
    files.set(path, {
      path,
      body,
      contentType: contentTypeOf(path),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: path.startsWith(options.immutablePrefix) ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

/**
 * True when an `If-None-Match` header matches `etag` (RFC 9110 weak comparison: `W/` prefixes are
 * ignored; `*` matches any current representation).
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === bare(etag));
}
