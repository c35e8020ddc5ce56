// `acai conversations list --all|search|rename|delete|export` against the real host (embedded store,
// shipped plugins, auth on) with the fake OpenAI server as the model, run in-process through runCli.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { runAcai, temporaryFolder } from './cli-support.js';
import { fakeModelEnv, scriptedAssistant, startTestHost, twirpJson, bearer, type RunningTestHost } from './host-support.js';

const KEY = 'acai_cli_lifecycle_key_0123456789abcdef';
const OTHER_TENANT_KEY = 'acai_cli_lifecycle_other_0123456789abcd';

let fake: FakeOpenAIServer;
let host: RunningTestHost;
let folder: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  host = await startTestHost({
    ...fakeModelEnv(fake),
    ACAI_API_KEYS: `${KEY}:cli-lifecycle:chat,${OTHER_TENANT_KEY}:cli-other:chat`,
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  folder = await temporaryFolder('acai-cli-conversations-');
});

afterAll(async () => {
  await host?.close();
  await fake?.close();
  await folder?.remove();
});

function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ACAI_URL: host.url, ACAI_API_KEY: KEY, HOME: folder.path, XDG_STATE_HOME: folder.path, ...extra };
}

async function started(message: string): Promise<string> {
  const response = await twirpJson(host.url, 'StartConversation', { message }, bearer(KEY));
  expect(response.status).toBe(200);
  return response.body.conversation_id as string;
}

describe('acai conversations (lifecycle)', () => {
  it('lists everything newest created first with --all, and a page by last update otherwise', async () => {
    const older = await started('older conversation');
    const newer = await started('newer conversation');
    await twirpJson(host.url, 'ContinueConversation', { conversation_id: older, message: 'touch' }, bearer(KEY));
    const all = JSON.parse((await runAcai(['conversations', 'list', '--all', '--json'], { env: userEnv() })).stdout);
    const ids = all.conversations.map((conversation: { id: string }) => conversation.id);
    expect(ids.indexOf(newer)).toBeLessThan(ids.indexOf(older));
    const paged = JSON.parse((await runAcai(['conversations', 'list', '--json'], { env: userEnv() })).stdout);
    expect(paged.conversations[0].id).toBe(older);
    const mixed = await runAcai(['conversations', 'list', '--all', '--limit', '2'], { env: userEnv() });
    expect([mixed.code, mixed.stderr]).toEqual([2, expect.stringMatching(/--all lists everything at once/)]);
  });

  it('searches titles and messages, as a table and as JSON', async () => {
    const id = await started('Notes about the kumquat harvest');
    const table = await runAcai(['conversations', 'search', 'KUMQUAT', 'harvest'], { env: userEnv() });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^ID +UPDATED +TITLE\\n${id}  `));
    const json = JSON.parse((await runAcai(['conversations', 'search', 'kumquat', '--json'], { env: userEnv() })).stdout);
    expect(json.conversations.map((conversation: { id: string }) => conversation.id)).toEqual([id]);
    const elsewhere = await runAcai(['conversations', 'search', 'kumquat', '--json'], { env: userEnv({ ACAI_API_KEY: OTHER_TENANT_KEY }) });
    expect(JSON.parse(elsewhere.stdout)).toEqual({});
    const missing = await runAcai(['conversations', 'search'], { env: userEnv() });
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/missing the text to search for/)]);
    const tooLong = await runAcai(['conversations', 'search', 'x'.repeat(300)], { env: userEnv() });
    expect([tooLong.code, tooLong.stderr]).toEqual([1, expect.stringMatching(/^acai: invalid_argument: query is too long/)]);
  });

  it('renames with the words after the id as the title', async () => {
    const id = await started('rename from the command line');
    const run = await runAcai(['conversations', 'rename', id, 'Command', 'line', 'title'], { env: userEnv() });
    expect([run.code, run.stdout]).toEqual([0, `Renamed ${id} to "Command line title".\n`]);
    expect((await twirpJson(host.url, 'DescribeConversation', { conversation_id: id }, bearer(KEY))).body.conversation.title).toBe('Command line title');
    const other = await runAcai(['conversations', 'rename', id, 'pwned'], { env: userEnv({ ACAI_API_KEY: OTHER_TENANT_KEY }) });
    expect([other.code, other.stderr]).toEqual([1, expect.stringMatching(/^acai: not_found: /)]);
    const noTitle = await runAcai(['conversations', 'rename', id], { env: userEnv() });
    expect([noTitle.code, noTitle.stderr]).toEqual([2, expect.stringMatching(/missing the new title/)]);
  });

  it('deletes after a yes on the terminal, or with --yes; refuses without --yes when not interactive', async () => {
    const kept = await started('keep me, I said no');
    const refused = await runAcai(['conversations', 'delete', kept], { env: userEnv(), isTTY: true, stdin: ['n'] });
    expect([refused.code, refused.stderr]).toEqual([1, 'Nothing deleted.\n']);
    expect(refused.stdout).toBe('Delete "Asking About the Time" (2 messages)? This cannot be undone. [y/N] ');
    const scripted = await runAcai(['conversations', 'delete', kept], { env: userEnv() });
    expect([scripted.code, scripted.stderr]).toEqual([2, expect.stringMatching(/refusing to delete without --yes/)]);
    expect((await twirpJson(host.url, 'DescribeConversation', { conversation_id: kept }, bearer(KEY))).status).toBe(200);

    const confirmed = await runAcai(['conversations', 'delete', kept], { env: userEnv(), isTTY: true, stdin: ['yes'] });
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain(`Deleted ${kept}.`);
    expect((await twirpJson(host.url, 'DescribeConversation', { conversation_id: kept }, bearer(KEY))).status).toBe(404);

    const other = await started('delete me with --yes');
    expect((await runAcai(['conversations', 'delete', other, '-y'], { env: userEnv() })).code).toBe(0);
    const again = await runAcai(['conversations', 'delete', other, '--yes'], { env: userEnv() });
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/^acai: not_found: /)]);
  });

  it('exports to stdout or a file, never overwriting one unless --force', async () => {
    const id = await started('What time is it? Export me.');
    const json = await runAcai(['conversations', 'export', id], { env: userEnv() });
    expect(JSON.parse(json.stdout)).toMatchObject({ format: 'acai.conversation-export/v1', conversation: { id } });
    const file = join(folder.path, 'export.md');
    const written = await runAcai(['conversations', 'export', id, '--format', 'markdown', '-o', 'export.md'], { env: userEnv(), cwd: folder.path });
    expect([written.code, written.stdout]).toEqual([0, '']);
    expect(written.stderr).toMatch(/^Wrote export\.md \(\d+ bytes\)\.\n$/);
    const markdown = await readFile(file, 'utf8');
    expect(markdown).toMatch(/^# /);
    expect(markdown).toContain('> Tool call `datetime__get_current_time` (datetime@1.0.0): ok');

    await writeFile(file, 'precious');
    const clash = await runAcai(['conversations', 'export', id, '-o', 'export.md'], { env: userEnv(), cwd: folder.path });
    expect([clash.code, clash.stderr]).toEqual([1, 'acai: export.md exists; pass --force to overwrite it\n']);
    expect(await readFile(file, 'utf8')).toBe('precious');
    expect((await runAcai(['conversations', 'export', id, '-o', 'export.md', '--force'], { env: userEnv(), cwd: folder.path })).code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8')).conversation.id).toBe(id);

    const badFormat = await runAcai(['conversations', 'export', id, '--format', 'pdf'], { env: userEnv() });
    expect([badFormat.code, badFormat.stderr]).toEqual([2, expect.stringMatching(/--format must be json or markdown/)]);
    const forceAlone = await runAcai(['conversations', 'export', id, '--force'], { env: userEnv() });
    expect(forceAlone.code).toBe(2);
  });
});
