import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const generatedDir = fileURLToPath(new URL('./generated', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/generate-proto.sh', import.meta.url));

describe('generated protobuf code', () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'acai-proto-'));
  afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

  it('is byte-identical to a fresh run of core/scripts/generate-proto.sh', () => {
    execFileSync('bash', [script, outputDir], { stdio: 'pipe' });
    const fresh = readdirSync(outputDir).sort();
    const committed = readdirSync(generatedDir).sort();
    expect(committed).toEqual(fresh);
    for (const file of fresh) {
      const message = `${file} differs from the generator's output; run core/scripts/generate-proto.sh`;
      expect(readFileSync(join(generatedDir, file)).equals(readFileSync(join(outputDir, file))), message).toBe(true);
    }
  });
});
