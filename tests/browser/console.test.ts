// The web console in a real browser (Debian's Chromium driven by playwright-core) against the real
// host: sign-in, a streamed chat turn with a tool call, stopping a turn, hostile tool output, reloads,
// paging, the plugins page and the metrics view. Every test also checks that the page met no CSP
// violation, script error or dialog.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CONSOLE_DIRECTORY, CONSOLE_CONTENT_SECURITY_POLICY } from '../../core/src/web-console/index.js';
import { expectCleanConsole, launchChromium, openConsolePage, WHOAMI_PROBE_401, type ConsolePage, type PageGlobals } from './browser-support.js';
import { ADMIN_KEY, CHAT_KEY, CHAT_MODEL, MCP_PLUGIN, PROBE_TOOL, startConsoleHost, TIME_TOOL, type ConsoleHost } from './console-host.js';

const availability = await launchChromium();
if (!availability.isAvailable) console.warn(`[browser tests] skipped: ${availability.reason}`);
const describeInBrowser = availability.isAvailable ? describe : describe.skip;
const SUITE = availability.isAvailable ? 'the web console in Chromium' : `the web console in Chromium (SKIPPED: ${availability.reason})`;

const SESSION_KEY = 'acai.console.api-key';

describeInBrowser(SUITE, () => {
  let browser: Browser;
  let host: ConsoleHost;
  const pages: ConsolePage[] = [];

  beforeAll(async () => {
    browser = (availability as { browser: Browser }).browser;
    host = await startConsoleHost('browser_console');
  });

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await host?.close();
    await browser?.close();
  });

  async function open(path = '/console', expectedFailures = [WHOAMI_PROBE_401]): Promise<ConsolePage> {
    const consolePage = await openConsolePage(browser, host.url, { expectedFailures });
    pages.push(consolePage);
    await consolePage.page.goto(path);
    return consolePage;
  }

  async function signIn(page: Page, key: string): Promise<void> {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  const focused = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id ?? '');
  const storedKey = (page: Page) => page.evaluate((name) => (globalThis as unknown as PageGlobals).sessionStorage.getItem(name), SESSION_KEY);
  const lastReply = (page: Page) => page.locator('.message[data-role="assistant"]').last();

  it('serves the console under a CSP without unsafe-inline, and its built HTML needs nothing inline', async () => {
    const response = await fetch(`${host.url}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await readFile(join(BUILT_CONSOLE_DIRECTORY, 'index.html'), 'utf8');
    expect(await response.text()).toBe(html);
    // Every script is an external file and nothing carries inline style or handlers.
    for (const script of html.match(/<script\b[^>]*>/g) ?? []) expect(script).toMatch(/\bsrc="\/console\/assets\/[\w.-]+\.js"/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  it('refuses a bad key with a readable error and keeps nothing of it', async () => {
    const consolePage = await open('/console', [WHOAMI_PROBE_401]);
    const { page } = consolePage;
    await page.getByLabel('API key').fill('acai_this_key_does_not_exist_0000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The host did not accept the API key: invalid API key.');
    expect(await page.getByLabel('API key').getAttribute('aria-invalid')).toBe('true');
    expect(await storedKey(page)).toBeNull();
    expect(await page.evaluate(() => [(globalThis as unknown as PageGlobals).localStorage.length, (globalThis as unknown as PageGlobals).document.cookie])).toEqual([0, '']);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await expectCleanConsole(consolePage);
  });

  it('streams a reply with its tool call: tokens appear while the model is still writing, then the stored reply', async () => {
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    host.fake.enqueueFor(CHAT_MODEL, { type: 'tool_calls', calls: [{ name: TIME_TOOL, arguments: { time_zone: 'Europe/Madrid' } }] });
    host.fake.enqueueFor(CHAT_MODEL, { type: 'text', content: 'In Madrid it is now **noon**, a fine time.', chunks: ['In Madrid ', 'it is now ', '**noon**, a fine time.'], pauseAfterChunks: 2, resume: resumed });

    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, CHAT_KEY);
    expect(await storedKey(page)).toBe(CHAT_KEY);
    // Signing in puts the cursor in the composer.
    await expect.poll(() => focused(page)).toBe('composer-input');
    const input = page.getByLabel('Message', { exact: true });
    await input.fill('What time is it');
    await input.press('Shift+Enter');
    await input.pressSequentially('in Madrid?');
    expect(await input.inputValue()).toBe('What time is it\nin Madrid?');
    await input.press('Enter');

    // The tool call shows as soon as it finishes, before the reply is complete.
    const toolCall = page.locator(`.tool-call[data-tool="${TIME_TOOL}"]`);
    await expect.poll(() => toolCall.getAttribute('data-state')).toBe('ok');
    // The model paused after two chunks: the reply so far is on screen and still streaming.
    const reply = lastReply(page);
    await expect.poll(() => reply.locator('.message-text').textContent()).toBe('In Madrid it is now ');
    expect(await reply.getAttribute('data-state')).toBe('streaming');
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    resume();
    await expect.poll(() => reply.getAttribute('data-state')).toBe('complete');
    expect(await reply.locator('.message-text').textContent()).toBe('In Madrid it is now noon, a fine time.');
    expect(await reply.locator('.message-text strong').textContent()).toBe('noon');
    expect(await page.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);

    // Name, plugin@version, latency, then arguments and result when expanded.
    expect(await toolCall.locator('.tool-call-plugin').textContent()).toBe('datetime@1.0.0');
    expect(await toolCall.locator('.tool-call-latency').textContent()).toMatch(/^\d+ ms$/);
    await toolCall.locator('summary').click();
    expect(JSON.parse((await toolCall.locator('.tool-call-arguments').textContent()) ?? '')).toEqual({ time_zone: 'Europe/Madrid' });
    expect(await toolCall.locator('.tool-call-result').textContent()).toMatch(/Europe\/Madrid/);

    // The new conversation got its address and tops the list with its title.
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/console\/chat\/[\w-]+$/);
    const conversationId = new URL(page.url()).pathname.split('/').at(-1)!;
    const listed = page.locator(`.conversation-link[data-conversation-id="${conversationId}"]`);
    await expect.poll(() => listed.getAttribute('aria-current')).toBe('page');
    expect(await page.locator('.conversation-status').textContent()).toBe('');
    // What the page shows is what the host stored.
    const described = await host.chat('DescribeConversation', { conversation_id: conversationId });
    expect(described.body.conversation.title).toMatch(/^About What Time/i);
    await expect.poll(() => listed.locator('.conversation-title').textContent()).toBe(described.body.conversation.title);
    expect(await page.locator('.chat-title').textContent()).toBe(described.body.conversation.title);
    const messages = described.body.conversation.messages as Array<Record<string, any>>;
    expect(messages.map((message) => message.role)).toEqual(['USER', 'ASSISTANT']);
    expect(messages[1]!.content).toBe('In Madrid it is now **noon**, a fine time.');
    expect(messages[1]!.tool_calls[0]).toMatchObject({ name: TIME_TOOL, plugin: 'datetime', outcome: 'ok' });
    await expectCleanConsole(consolePage);
  });

  it('stops a reply on request: the host cancels the turn and stores nothing of it', async () => {
    const started = await host.chat('StartConversation', { message: 'Hello there' });
    const conversationId = started.body.conversation_id as string;
    let release!: () => void;
    const never = new Promise<void>((resolve) => (release = resolve));
    host.fake.enqueueFor(CHAT_MODEL, { type: 'text', content: 'This reply will never finish', chunks: ['This reply ', 'will never finish'], pauseAfterChunks: 1, resume: never });

    const consolePage = await open(`/console/chat/${conversationId}`);
    const { page } = consolePage;
    await signIn(page, CHAT_KEY);
    await expect.poll(() => page.locator('.message').count()).toBe(2);
    await page.getByLabel('Message', { exact: true }).fill('Tell me a long story');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    const reply = lastReply(page);
    await expect.poll(() => reply.locator('.message-text').textContent()).toBe('This reply ');
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => reply.getAttribute('data-state')).toBe('stopped');
    expect(await reply.locator('.message-status').textContent()).toBe('Stopped. This turn was not saved.');
    // The model call was cancelled, and the conversation still holds only the first turn.
    const modelRequest = host.fake.requests.filter((request) => request.body?.model === CHAT_MODEL).at(-1)!;
    expect(await modelRequest.outcome).toBe('aborted');
    release();
    const described = await host.chat('DescribeConversation', { conversation_id: conversationId });
    expect((described.body.conversation.messages as unknown[]).length).toBe(2);
    // The composer is ready for the next message.
    expect(await page.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);
    await expectCleanConsole(consolePage);
  });

  it('shows hostile tool output and replies as text: no script runs, no dialog opens, no element is created', async () => {
    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, CHAT_KEY);
    await page.getByLabel('Message', { exact: true }).fill('Render the markup please <img src=x onerror="window.__acaiXss=\'user\'">');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    const reply = lastReply(page);
    await expect.poll(() => reply.getAttribute('data-state')).toBe('complete');
    const toolCall = page.locator(`.tool-call[data-tool="${PROBE_TOOL}"]`);
    await toolCall.locator('summary').click();
    const hostile = '<script>window.__acaiXss = "script"</script><img src="x" onerror="window.__acaiXss = \'img\'"><b>bold?</b>';
    expect(await toolCall.locator('.tool-call-result').textContent()).toBe(`probe: ${hostile}`);
    expect(await reply.locator('.message-text').textContent()).toContain(hostile);
    expect(await page.locator('.message[data-role="user"] .message-text').last().textContent()).toContain('<img src=x onerror=');
    // Nothing became markup: no script, img or b element inside the log, and nothing ran.
    expect(await page.locator('.message-log script, .message-log img, .message-log b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__acaiXss)).toBeUndefined();
    // The same holds when the stored conversation is opened from the host.
    await page.reload();
    await expect.poll(() => page.locator(`.tool-call[data-tool="${PROBE_TOOL}"]`).count()).toBe(1);
    expect(await page.locator('.message-log script, .message-log img, .message-log b').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__acaiXss)).toBeUndefined();
    await expectCleanConsole(consolePage);
  });

  it('keeps the session and the conversation list across a reload, and reopens the conversation with its tool results', async () => {
    const started = await host.chat('StartConversation', { message: 'What time is it right now?' });
    expect(started.status).toBe(200);
    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, CHAT_KEY);
    const link = page.locator(`.conversation-link[data-conversation-id="${started.body.conversation_id}"]`);
    await link.waitFor();
    await link.click();
    await expect.poll(() => page.locator('.message').count()).toBe(2);
    const listedBefore = await page.locator('.conversation-link').allTextContents();

    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.getByLabel('API key').count()).toBe(0);
    expect(await storedKey(page)).toBe(CHAT_KEY);
    await expect.poll(() => page.locator('.conversation-link').allTextContents()).toEqual(listedBefore);
    expect(await page.locator('.conversation-link[aria-current="page"]').getAttribute('data-conversation-id')).toBe(started.body.conversation_id);
    await expect.poll(() => page.locator('.message').count()).toBe(2);
    const toolCall = page.locator(`.tool-call[data-tool="${TIME_TOOL}"]`);
    expect(await toolCall.getAttribute('data-state')).toBe('ok');
    await toolCall.locator('summary').click();
    expect(await toolCall.locator('.tool-call-result').textContent()).toMatch(/Europe\/Madrid/);

    // Signing out forgets the key; a reload then asks for one again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await storedKey(page)).toBeNull();
    await page.reload();
    await page.getByLabel('API key').waitFor();
    await expectCleanConsole(consolePage);
  });

  it('pages through the conversation list with "Load more"', async () => {
    const before = (await host.chat('ListConversations', { page_size: 100 })).body.conversations?.length ?? 0;
    for (let index = before; index < 23; index += 1) expect((await host.chat('StartConversation', { message: `Paging filler ${index}` })).status).toBe(200);
    const total = (await host.chat('ListConversations', { page_size: 100 })).body.conversations.length as number;
    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, CHAT_KEY);
    await expect.poll(() => page.locator('.conversation-link').count()).toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.locator('.conversation-link').count()).toBe(Math.min(total, 40));
    if (total <= 40) expect(await page.getByRole('button', { name: 'Load more' }).isVisible()).toBe(false);
    await expectCleanConsole(consolePage);
  });

  it('lets an admin disable a plugin, which removes its tools from the page and from the model, and enable it again', async () => {
    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, ADMIN_KEY);
    // An admin-only key lands on the plugins page and is offered no chat.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/plugins');
    await expect.poll(() => focused(page)).toBe('plugins-title');
    expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents()).toEqual(['Plugins', 'Metrics']);
    const card = page.locator('.plugin-card[data-plugin="console-probe"]');
    await expect.poll(() => card.locator('[data-tool]').evaluateAll((items) => items.map((item) => item.getAttribute('data-tool')))).toEqual([PROBE_TOOL, 'console-probe__fail_loudly']);
    expect(await card.locator('.fact').allTextContents()).toEqual(expect.arrayContaining(['Version2.3.1', 'Modeworker', 'Breakerclosed', 'Restarts0']));

    // Stopping and starting the worker-mode probe takes seconds on a busy machine: expect.poll waits up to
    // the suite's wait budget (vitest.config.ts).
    await card.getByRole('button', { name: 'Disable console-probe' }).click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('disabled');
    expect(await card.locator('[data-tool]').count()).toBe(0);
    expect(await card.locator('.plugin-tools').textContent()).toContain('Disabled: its tools are not offered to the model.');
    // The model is no longer offered the probe's tools.
    await host.chat('StartConversation', { message: 'markup while disabled' });
    const offered = host.fake.completionBodies(CHAT_MODEL).at(-1)?.tools?.map((tool) => tool.function.name) ?? [];
    expect(offered).toContain(TIME_TOOL);
    expect(offered).not.toContain(PROBE_TOOL);

    await card.getByRole('button', { name: 'Enable console-probe' }).click();
    await expect.poll(() => card.getAttribute('data-state')).toBe('active');
    await expect.poll(() => card.locator('[data-tool]').count()).toBe(2);
    await host.chat('StartConversation', { message: 'markup again' });
    expect(host.fake.completionBodies(CHAT_MODEL).some((body) => body.tools?.some((tool) => tool.function.name === PROBE_TOOL))).toBe(true);
    await expectCleanConsole(consolePage);
  });

  it('shows an MCP server as a plugin with its transport, server name and tools', async () => {
    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, ADMIN_KEY);
    const card = page.locator(`.plugin-card[data-plugin="${MCP_PLUGIN}"]`);
    await expect.poll(() => card.getAttribute('data-state')).toBe('active');
    expect(await card.locator('.fact').allTextContents()).toEqual(
      expect.arrayContaining(['Version0.4.0', 'TransportMCP over stdio', 'Serverecho-fixture', 'Breakerclosed', 'Restarts0']),
    );
    expect(await card.locator('[data-tool]').evaluateAll((items) => items.map((item) => item.getAttribute('data-tool')))).toEqual([`${MCP_PLUGIN}__echo`]);
    await expectCleanConsole(consolePage);
  });

  it('draws tool metrics from /metrics: totals since start, then per-interval latency and outcome charts', async () => {
    await host.chat('StartConversation', { message: 'What time is it for the metrics?' });
    const consolePage = await open();
    const { page } = consolePage;
    await signIn(page, ADMIN_KEY);
    await page.getByRole('link', { name: 'Metrics' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/metrics');
    const row = page.locator('tr[data-tool-key="datetime/get_current_time"]');
    await expect.poll(async () => Number((await row.locator('td').nth(1).textContent()) ?? 0)).toBeGreaterThan(0);
    expect(await row.locator('td').nth(4).textContent()).toMatch(/ms|s$/);

    await page.getByLabel('Refresh every').selectOption('2');
    // Calls between two readings fill the interval charts.
    await host.chat('StartConversation', { message: 'What time is it, interval one?' });
    await host.chat('StartConversation', { message: 'Render the markup for the chart' });
    await expect.poll(() => page.locator('.chart-bar.outcome-ok').count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator('.chart-point.series-p95').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.chart').first().getAttribute('aria-label')).toMatch(/Latency of all tools over the last \d+ intervals/);
    await page.getByLabel('Tool', { exact: true }).selectOption('datetime/get_current_time');
    expect(await page.locator('svg.chart').first().getAttribute('aria-label')).toContain('datetime/get_current_time');
    await expectCleanConsole(consolePage);
  });
});
