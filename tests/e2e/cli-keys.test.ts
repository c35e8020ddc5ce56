// `acai keys create|list|revoke` on the host's key stores — the embedded SQLite store and MongoDB
// (FerretDB in CI) — and the keys it prints authenticating against the real host.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { requireMongoUrl, uniqueName } from '../support/env.js';
import { runAcai, temporaryFolder, unusedUrl } from './cli-support.js';
import { fakeModelEnv, scriptedAssistant, startTestHost } from './host-support.js';

const KEY_PATTERN = /^acai_[0-9A-Za-z]{40}$/m;

let fake: FakeOpenAIServer;
let folder: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  folder = await temporaryFolder('acai-cli-keys-');
});

afterAll(async () => {
  await fake?.close();
  await folder?.remove();
});

function mongoEnv(database: string): Record<string, string> {
  const url = new URL(requireMongoUrl());
  url.pathname = `/${database}`;
  return { MONGODB_URL: url.toString(), MONGODB_DATABASE: database };
}

/** Creates, lists, authenticates with and revokes a key in the store the environment selects. */
async function keyLifecycle(storeEnv: Record<string, string>, storeName: string): Promise<void> {
  const env = { ...storeEnv, HOME: folder.path };
  const created = await runAcai(['keys', 'create', '--tenant', 'acme', '--scopes', 'chat', '--label', 'acme web app'], { env });
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(new RegExp(`^Created key_[0-9A-Za-z]{16} for tenant acme \\(scopes: chat\\) in the ${storeName} key store\\n`));
  expect(created.stdout).toContain('This is the only time the key is shown');
  const key = KEY_PATTERN.exec(created.stdout)![0];
  const id = /Created (key_\w+)/.exec(created.stdout)![1]!;

  const listed = await runAcai(['keys', 'list'], { env });
  expect(listed.stdout).toMatch(/^ID +TENANT +SCOPES +CREATED +STATUS +LABEL\n/);
  expect(listed.stdout).toMatch(new RegExp(`^${id} +acme +chat +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +active +acme web app$`, 'm'));
  expect(listed.stdout).not.toContain(key);
  const json = JSON.parse((await runAcai(['keys', 'list', '--json'], { env })).stdout) as Array<Record<string, unknown>>;
  expect(json.find((entry) => entry.id === id)).toEqual({ id, tenant_id: 'acme', scopes: ['chat'], label: 'acme web app', created_at: expect.any(String) });
  expect(JSON.stringify(json)).not.toMatch(/hash|acai_[0-9A-Za-z]{40}/);

  // The printed key works against a host that uses the same store.
  const host = await startTestHost({ ...fakeModelEnv(fake), ...storeEnv, RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_BURST: '1000' });
  try {
    const chat = await runAcai(['chat', '-m', 'hello with a new key', '--url', host.url, '--api-key', key], { env: { XDG_STATE_HOME: folder.path } });
    expect(chat).toMatchObject({ code: 0, stdout: 'echo: hello with a new key\n' });
  } finally {
    await host.close();
  }

  const revoked = await runAcai(['keys', 'revoke', id], { env });
  expect(revoked).toMatchObject({ code: 0, stdout: `Revoked ${id}; hosts stop accepting it within 10 s\n` });
  const again = await runAcai(['keys', 'revoke', id], { env });
  expect(again.code).toBe(1);
  expect(again.stderr).toBe(`acai: no active key ${id} (unknown or already revoked; see \`acai keys list\`)\n`);
  expect((await runAcai(['keys', 'list'], { env })).stdout).toMatch(new RegExp(`^${id} .* revoked \\d{4}-`, 'm'));

  // A host that starts now (no cached lookup) refuses the revoked key.
  const fresh = await startTestHost({ ...fakeModelEnv(fake), ...storeEnv });
  try {
    const refused = await runAcai(['chat', '-m', 'still works?', '--url', fresh.url, '--api-key', key], { env: { XDG_STATE_HOME: folder.path } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^acai: unauthenticated: /);
  } finally {
    await fresh.close();
  }
}

describe('acai keys', () => {
  it('manages keys in the embedded store (<ACAI_DATA_DIR>/keys.db)', async () => {
    await keyLifecycle({ ACAI_DATA_DIR: join(folder.path, 'embedded') }, 'embedded');
  });

  it('manages keys in MongoDB when MONGODB_URL is set', async () => {
    await keyLifecycle(mongoEnv(uniqueName('cli_keys')), 'MongoDB');
  });

  it('prints the key once as JSON for scripts and filters the list by tenant', async () => {
    const env = { ACAI_DATA_DIR: join(folder.path, 'json') };
    const created = JSON.parse((await runAcai(['keys', 'create', '--tenant', 'ops', '--scopes', 'admin,metrics', '--json'], { env })).stdout);
    expect(created).toEqual({ key: expect.stringMatching(KEY_PATTERN), id: expect.stringMatching(/^key_/), tenant_id: 'ops', scopes: ['admin', 'metrics'], label: '', created_at: expect.any(String) });
    await runAcai(['keys', 'create', '--tenant', 'acme', '--scopes', 'chat'], { env });
    const ops = JSON.parse((await runAcai(['keys', 'list', '--tenant', 'ops', '--json'], { env })).stdout) as Array<{ tenant_id: string }>;
    expect(ops.map((entry) => entry.tenant_id)).toEqual(['ops']);
    expect((await runAcai(['keys', 'list', '--tenant', 'nobody'], { env })).stdout).toBe('No API keys for tenant nobody. Create one with `acai keys create`.\n');
  });

  it.each([
    [['keys', 'create', '--scopes', 'chat'], /--tenant is required/],
    [['keys', 'create', '--tenant', 'acme'], /--scopes is required/],
    [['keys', 'create', '--tenant', 'acme', '--scopes', 'chat,root'], /unknown scope "root"; use chat, admin, metrics/],
    [['keys', 'create', '--tenant', 'acme', '--scopes', ','], /--scopes is empty/],
    [['keys', 'create', '--tenant', '../../etc', '--scopes', 'chat'], /tenant id must be 1-64 letters, digits/],
    [['keys', 'create', '--tenant', 'acme', '--scopes', 'chat', '--label', 'two\nlines'], /--label must be one line/],
    [['keys', 'create', '--tenant', 'acme', '--scopes', 'chat', '--label', 'x'.repeat(201)], /--label must be one line of at most 200/],
    [['keys', 'revoke'], /missing the key id/],
    [['keys', 'revoke', 'acai_0123456789abcdefghij0123456789abcdefghij'], /is not a key id .*the key itself is never needed/],
    [['keys', 'revoke', 'key_../../x'], /is not a key id/],
    [['keys', 'rotate'], /unknown subcommand "rotate"/],
    [['keys', 'list', 'extra'], /unexpected argument "extra"/],
  ])('refuses %j with exit 2 and one line', async (argv, message) => {
    const result = await runAcai(argv, { env: { ACAI_DATA_DIR: join(folder.path, 'hostile') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('reports an unreachable MongoDB in one line without driver internals', async () => {
    const url = (await unusedUrl()).replace('http:', 'mongodb:');
    const result = await runAcai(['keys', 'list'], { env: { MONGODB_URL: url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^acai: cannot use MongoDB \(check MONGODB_URL and that the server is up\): .*\n$/);
    expect(result.stderr).not.toContain('    at ');
  });

  it('reports an invalid host environment', async () => {
    const result = await runAcai(['keys', 'list'], { env: { MONGODB_URL: 'http://not-mongo' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('acai: Invalid environment: MONGODB_URL: expected mongodb://host[:port][,host[:port]…]/database or mongodb+srv://host/database\n');
  });
});
