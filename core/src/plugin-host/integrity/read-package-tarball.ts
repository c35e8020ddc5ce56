import { gunzipSync } from 'node:zlib';

/** One regular file of a package tarball, its path relative to the package root (`dist/index.js`). */
export interface TarballFile {
  readonly path: string;
  readonly content: Buffer;
}

/** Bounds that keep a hostile archive from exhausting memory. */
export interface TarballLimits {
  /** Largest unpacked size accepted (default 256 MiB). */
  readonly maxUnpackedBytes: number;
  /** Most files accepted (default 20,000). */
  readonly maxFiles: number;
}

const DEFAULT_LIMITS: TarballLimits = { maxUnpackedBytes: 256 * 1024 * 1024, maxFiles: 20_000 };
const BLOCK = 512;

/** Why an archive could not be read; the message says what is wrong with it. */
export class TarballError extends Error {
  override readonly name = 'TarballError';
}

/**
 * The regular files of an npm package tarball (gzip + ustar/pax, as `npm pack` writes it), with the
 * archive's top folder (`package/`) stripped, the way npm installs it. Directories, links and other
 * entry types are skipped, as npm skips them on extraction. Only reads: nothing is written to disk,
 * so a hostile path cannot escape anywhere; paths with `..` segments are refused all the same.
 */
export function readPackageTarball(gzipped: Buffer, limits: TarballLimits = DEFAULT_LIMITS): TarballFile[] {
  let archive: Buffer;
  try {
    archive = gunzipSync(gzipped, { maxOutputLength: limits.maxUnpackedBytes + 64 * BLOCK });
  } catch (error) {
    throw new TarballError(`not a gzip archive or larger than ${limits.maxUnpackedBytes} bytes unpacked (${(error as Error).message})`);
  }
  const files: TarballFile[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // end of archive
    checkHeaderChecksum(header, offset);
    const type = String.fromCharCode(header[156] ?? 0);
    const size = pax.size !== undefined ? Number(pax.size) : readSize(header.subarray(124, 136), offset);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarballError(`entry at byte ${offset} has an invalid size`);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > archive.length) throw new TarballError(`entry at byte ${offset} runs past the end of the archive`);
    const data = archive.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      pax = parsePaxRecords(data);
      continue;
    }
    if (type === 'L') {
      longName = readString(data);
      continue;
    }
    if (type === 'g') continue; // global pax header: nothing in it changes what npm extracts
    const name = pax.path ?? longName ?? joinUstarName(header);
    pax = {};
    longName = undefined;
    if (type !== '0' && type !== '\0' && type !== '7') continue;
    files.push({ path: packagePath(name), content: Buffer.from(data) });
    if (files.length > limits.maxFiles) throw new TarballError(`more than ${limits.maxFiles} files`);
  }
  return files;
}

/** `package/dist/index.js` → `dist/index.js`; refuses absolute paths and `..` segments. */
function packagePath(name: string): string {
  const segments = name.replace(/\\/g, '/').split('/').filter((segment) => segment !== '' && segment !== '.');
  if (name.startsWith('/') || segments.includes('..') || segments.length < 2) throw new TarballError(`entry "${name.slice(0, 200)}" is not a path inside the package folder`);
  return segments.slice(1).join('/');
}

function joinUstarName(header: Buffer): string {
  const name = readString(header.subarray(0, 100));
  const isUstar = readString(header.subarray(257, 263)).startsWith('ustar');
  const prefix = isUstar ? readString(header.subarray(345, 500)) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function readString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** Octal, or base-256 (high bit set) for sizes over 8 GiB as GNU tar writes them. */
function readSize(field: Buffer, offset: number): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = 0;
    for (const [index, byte] of field.entries()) value = value * 256 + (index === 0 ? byte & 0x7f : byte);
    return value;
  }
  const text = readString(field).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarballError(`entry at byte ${offset} has a size that is not octal`);
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function checkHeaderChecksum(header: Buffer, offset: number): void {
  const recorded = Number.parseInt(readString(header.subarray(148, 156)).trim() || 'x', 8);
  let sum = 0;
  for (let index = 0; index < BLOCK; index += 1) sum += index >= 148 && index < 156 ? 0x20 : (header[index] ?? 0);
  if (recorded !== sum) throw new TarballError(`header at byte ${offset} fails its checksum (not a tar archive, or damaged)`);
}

/** Pax extended header records: `<length> <key>=<value>\n`, repeated. */
function parsePaxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space === -1) break;
    const length = Number.parseInt(data.subarray(position, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(length) || length <= 0 || position + length > data.length) throw new TarballError('a pax header record has a bad length');
    const record = data.subarray(space + 1, position + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    position += length;
  }
  return records;
}
