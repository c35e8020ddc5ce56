import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPackageTarball, TarballError } from './read-package-tarball.js';

const run = promisify(execFile);
let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'acai-tarball-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Packs `files` under package/ with the system's tar in the given format, as npm-pack-like archives. */
async function pack(files: Record<string, string>, format: 'ustar' | 'pax' | 'gnu' = 'pax'): Promise<Buffer> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(folder, 'package', path, '..'), { recursive: true });
    await writeFile(join(folder, 'package', path), text);
  }
  await run('tar', [`--format=${format}`, '-czf', join(folder, 'out.tgz'), '-C', folder, 'package']);
  return readFile(join(folder, 'out.tgz'));
}

/** One tar header block for `name` with `size` bytes of content (the checksum computed, unless `badChecksum`). */
function header(name: string, size: number, options: { type?: string; badChecksum?: boolean } = {}): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 'utf8');
  block.write('0000644\0', 100);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write(options.type ?? '0', 156);
  block.write('ustar\u000000', 257);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${(options.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

function archive(...entries: Array<[Buffer, string]>): Buffer {
  const parts = entries.flatMap(([block, content]) => {
    const data = Buffer.from(content);
    return [block, data, Buffer.alloc((512 - (data.length % 512)) % 512)];
  });
  return gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)]));
}

describe('readPackageTarball', () => {
  it('reads the files of an archive, with the package/ folder stripped, in every tar format', async () => {
    const long = `dist/${'deeply/'.repeat(20)}nested.js`;
    for (const format of ['ustar', 'pax', 'gnu'] as const) {
      const files = readPackageTarball(await pack({ 'package.json': '{"name":"x"}', 'dist/index.js': 'export default 1;\n', ...(format === 'ustar' ? {} : { [long]: 'long' }) }, format));
      const byPath = new Map(files.map((file) => [file.path, file.content.toString()]));
      expect(byPath.get('package.json')).toBe('{"name":"x"}');
      expect(byPath.get('dist/index.js')).toBe('export default 1;\n');
      if (format !== 'ustar') expect(byPath.get(long)).toBe('long');
      await rm(join(folder, 'package'), { recursive: true });
    }
  });

  it('refuses entries that climb out of the package folder or are absolute', () => {
    expect(() => readPackageTarball(archive([header('package/../../etc/passwd', 4), 'root']))).toThrow(/is not a path inside the package folder/);
    expect(() => readPackageTarball(archive([header('/etc/passwd', 4), 'root']))).toThrow(TarballError);
  });

  it('skips directories and links, as npm does when it extracts', () => {
    const files = readPackageTarball(archive([header('package/dist/', 0, { type: '5' }), ''], [header('package/link', 0, { type: '2' }), ''], [header('package/a.js', 2), 'ok']));
    expect(files.map((file) => file.path)).toEqual(['a.js']);
  });

  it('refuses what is not a gzip tar archive, a damaged header and an entry running past the end', () => {
    expect(() => readPackageTarball(Buffer.from('not gzip'))).toThrow(/not a gzip archive/);
    expect(() => readPackageTarball(gzipSync(Buffer.from('x'.repeat(600))))).toThrow(/fails its checksum/);
    expect(() => readPackageTarball(archive([header('package/a.js', 2, { badChecksum: true }), 'ok']))).toThrow(/fails its checksum/);
    const truncated = Buffer.concat([header('package/a.js', 5000), Buffer.from('short')]);
    expect(() => readPackageTarball(gzipSync(truncated))).toThrow(/runs past the end/);
  });

  it('stops at the size and file-count limits instead of exhausting memory', () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    expect(() => readPackageTarball(bomb, { maxUnpackedBytes: 1024 * 1024, maxFiles: 10 })).toThrow(/larger than 1048576 bytes unpacked/);
    const many = archive(...Array.from({ length: 5 }, (_, index): [Buffer, string] => [header(`package/f${index}.js`, 1), 'x']));
    expect(() => readPackageTarball(many, { maxUnpackedBytes: 1024 * 1024, maxFiles: 3 })).toThrow(/more than 3 files/);
  });
});
