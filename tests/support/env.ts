import { randomBytes } from 'node:crypto';

// Test support is the one place in tests/ that reads process.env: the runner (tests/support/run-tests.sh)
// always provisions the services, so a missing variable is a set-up error, never a reason to skip.

function requireEnv(name: string, hint: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${name} is not set. ${hint} Run the suite with \`npm test\` (tests/support/run-tests.sh), which starts the services and sets it.`);
  }
  return value;
}

/** The Redis the suite runs against (`redis://host:port`). Throws when unset: tests never skip silently. */
export function requireRedisUrl(): string {
  return requireEnv('REDIS_URL', 'Integration tests need a real Redis.');
}

/** The MongoDB-wire server the suite runs against (FerretDB in CI, MongoDB when provided). Throws when unset. */
export function requireMongoUrl(): string {
  return requireEnv('MONGODB_URL', 'Integration tests need a real MongoDB-wire server (FerretDB or MongoDB).');
}

/** The shared MongoDB-wire URL with its own database in the path (per test file, so files never share data). */
export function mongoUrlWithDatabase(database: string, base: string = requireMongoUrl()): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * The factor every test budget is multiplied by (ACAI_TEST_TIME_SCALE, default 1): raise it on a machine
 * far slower than a busy 2-core one. Read here once; tests use it through ./timing.ts.
 */
export function testTimeScale(): number {
  const raw = process.env.ACAI_TEST_TIME_SCALE;
  if (raw === undefined || raw.trim() === '') return 1;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale < 1 || scale > 100) throw new Error(`ACAI_TEST_TIME_SCALE must be a number from 1 to 100, got "${raw}".`);
  return scale;
}

/** Path of the redis-server binary, for tests that start (and kill) a private Redis. */
export function redisServerBinary(): string {
  return process.env.ACAI_TEST_REDIS_SERVER_BIN ?? 'redis-server';
}

/**
 * The Chromium the browser suite drives: `required` when the test runner provisioned one
 * (ACAI_TEST_CHROMIUM_BIN, set by tests/support/services.sh), so a launch failure is a failure;
 * otherwise Debian's default path, and the suite may report itself skipped if it is missing.
 */
export function chromiumBinary(): { readonly path: string; readonly isRequired: boolean } {
  const provisioned = process.env.ACAI_TEST_CHROMIUM_BIN;
  return provisioned !== undefined && provisioned !== '' ? { path: provisioned, isRequired: true } : { path: '/usr/bin/chromium', isRequired: false };
}

/**
 * A name unique to this run, safe as a MongoDB database name (≤ 38 chars, no dots or slashes)
 * and as a Redis key prefix: `<prefix>_<base36 time>_<random hex>`.
 */
export function uniqueName(prefix: string): string {
  const cleaned = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 20);
  return `${cleaned}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * The environment for a host started as a child process: only what Node needs to run (PATH, HOME)
 * plus the given variables, so nothing from the runner's environment leaks into the host under test.
 */
export function childProcessEnv(variables: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...variables };
}

/** helm, built from the Go module proxy by tests/support/services.sh, for the Helm chart test. Throws when unset. */
export function requireHelmBinary(): string {
  return requireEnv('ACAI_TEST_HELM_BIN', 'The Helm chart test renders deploy/helm/acai with helm.');
}

/** kubeconform, built like helm. Throws when unset. */
export function requireKubeconformBinary(): string {
  return requireEnv('ACAI_TEST_KUBECONFORM_BIN', 'The Helm chart test validates the rendered manifests with kubeconform.');
}

/** Kubernetes and ServiceMonitor JSON Schemas generated offline for kubeconform (tests/support/generate-k8s-schemas.ts). Throws when unset. */
export function requireKubernetesSchemaDir(): string {
  return requireEnv('ACAI_TEST_K8S_SCHEMA_DIR', 'kubeconform needs the Kubernetes JSON Schemas generated at provisioning.');
}
