// `acai chat --local`: one turn through the chat service built in the CLI's own process (no server),
// configured like `acai serve` from the environment, with the fake model calling a real plugin tool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai/index.js';
import { runAcai, temporaryFolder } from './cli-support.js';
import { fakeModelEnv, REPO_PLUGINS_CONFIG, scriptedAssistant } from './host-support.js';

let fake: FakeOpenAIServer;
let folder: { path: string; remove(): Promise<void> };

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.respondWith(scriptedAssistant);
  folder = await temporaryFolder('acai-chat-local-');
});
afterAll(async () => {
  await fake?.close();
  await folder?.remove();
});

describe('acai chat --local', () => {
  it('answers one message without a server, the model calling a plugin tool', async () => {
    const env = { ...fakeModelEnv(fake), PLUGINS_CONFIG: REPO_PLUGINS_CONFIG, ACAI_DATA_DIR: folder.path, LOG_LEVEL: 'silent', XDG_STATE_HOME: folder.path };
    const result = await runAcai(['chat', '--local', '-m', 'What time is it in Madrid?', '--json'], { cwd: folder.path, env });
    expect(result.code).toBe(0);
    const turn = JSON.parse(result.stdout) as { reply: string; tool_calls: Array<Record<string, unknown>> };
    expect(turn.reply).toMatch(/^The tool said: /);
    expect(turn.tool_calls).toEqual([expect.objectContaining({ name: 'datetime__get_current_time', plugin: 'datetime', outcome: 'ok' })]);
  });

  it('refuses --local together with a server to talk to', async () => {
    const result = await runAcai(['chat', '--local', '--url', 'http://127.0.0.1:1', '-m', 'hi'], { cwd: folder.path, env: {} });
    expect(result).toMatchObject({ code: 2, stderr: expect.stringMatching(/--local runs the chat service in this process; it takes no --url or --api-key/) });
  });
});
