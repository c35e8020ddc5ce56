// The console's conversation lifecycle in Chromium against the real host: rename, delete (with an
// in-page confirmation), search, export, regenerate, copy, tool images, structured output as a tree,
// token usage, and one definition of "error" on the plugins and metrics pages. Every test also checks
// that the page met no CSP violation, script error or dialog.
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanConsole, launchChromium, openConsolePage, WHOAMI_PROBE_401, type ConsolePage, type PageGlobals } from './browser-support.js';
import { ADMIN_KEY, CHAT_KEY, CHAT_MODEL, DISGUISED_IMAGE_TOOL, IMAGE_TOOL, PROBE_TOOL, startConsoleHost, type ConsoleHost } from './console-host.js';

const availability = await launchChromium();
if (!availability.isAvailable) console.warn(`[browser tests] skipped: ${availability.reason}`);
const describeInBrowser = availability.isAvailable ? describe : describe.skip;
const SUITE = availability.isAvailable ? 'the console’s conversation lifecycle in Chromium' : `the console’s conversation lifecycle in Chromium (SKIPPED: ${availability.reason})`;

describeInBrowser(SUITE, () => {
  let browser: Browser;
  let host: ConsoleHost;
  const pages: ConsolePage[] = [];

  beforeAll(async () => {
    browser = (availability as { browser: Browser }).browser;
    host = await startConsoleHost('browser_lifecycle', { mcpTools: ['echo', 'show_image', 'show_disguised_images'] });
  }, 120_000);

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await host?.close();
    await browser?.close();
  });

  async function openSignedIn(path: string, key = CHAT_KEY, expectedFailures: readonly RegExp[] = []): Promise<ConsolePage> {
    const consolePage = await openConsolePage(browser, host.url, { expectedFailures: [WHOAMI_PROBE_401, ...expectedFailures] });
    pages.push(consolePage);
    await consolePage.page.goto(path);
    await consolePage.page.getByLabel('API key').fill(key);
    await consolePage.page.getByRole('button', { name: 'Sign in' }).click();
    await consolePage.page.getByRole('button', { name: 'Sign out' }).waitFor();
    return consolePage;
  }

  async function started(message: string): Promise<string> {
    const response = await host.chat('StartConversation', { message });
    expect(response.status).toBe(200);
    return response.body.conversation_id as string;
  }

  async function send(page: Page, message: string): Promise<void> {
    await page.getByLabel('Message', { exact: true }).fill(message);
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await expect.poll(() => page.locator('.message[data-role="assistant"]').last().getAttribute('data-state')).toBe('complete');
  }

  const listedTitle = (page: Page, id: string) => page.locator(`.conversation-link[data-conversation-id="${id}"] .conversation-title`);

  it('renames the open conversation in place: the header and the list show the title the host stored', async () => {
    const id = await started('rename me in the browser');
    // The refused title below is a 400 the browser reports; anything else is still a problem.
    const consolePage = await openSignedIn(`/console/chat/${id}`, CHAT_KEY, [/status of 400.*\/RenameConversation/]);
    const { page } = consolePage;
    await expect.poll(() => page.locator('.message').count()).toBe(2);
    await page.getByRole('button', { name: 'Rename' }).click();
    const input = page.getByLabel('Title');
    // Escape gives up without a change.
    await input.fill('Not this one');
    await input.press('Escape');
    expect(await page.locator('.chat-title').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Title').fill('  Holiday   <b>plans</b> ');
    await page.getByLabel('Title').press('Enter');
    await expect.poll(() => page.locator('.chat-title').textContent()).toBe('Holiday <b>plans</b>');
    await expect.poll(() => listedTitle(page, id).textContent()).toBe('Holiday <b>plans</b>');
    expect(await page.locator('.chat-header b, .conversation-list b').count()).toBe(0);
    expect((await host.chat('DescribeConversation', { conversation_id: id })).body.conversation.title).toBe('Holiday <b>plans</b>');

    // A refused title leaves the form open with the host's reason.
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('Title').fill('   ');
    await page.getByLabel('Title').press('Enter');
    await expect.poll(() => page.locator('.chat-notice').textContent()).toMatch(/The title was not changed\..*title is required/);
    await expectCleanConsole(consolePage);
  });

  it('deletes the open conversation only after the in-page confirmation, then starts a new chat', async () => {
    const id = await started('delete me from the browser');
    const consolePage = await openSignedIn(`/console/chat/${id}`);
    const { page } = consolePage;
    await expect.poll(() => page.locator('.message').count()).toBe(2);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Confirm deleting the conversation' });
    await confirmation.waitFor();
    expect(await confirmation.textContent()).toContain('cannot be undone');
    await confirmation.getByRole('button', { name: 'Cancel' }).click();
    expect(await confirmation.count()).toBe(0);
    expect((await host.chat('DescribeConversation', { conversation_id: id })).status).toBe(200);

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('button', { name: 'Delete for good' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/');
    await expect.poll(() => page.locator(`.conversation-link[data-conversation-id="${id}"]`).count()).toBe(0);
    expect(await page.locator('.chat-title').textContent()).toBe('New conversation');
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).isVisible()).toBe(false);
    const described = await host.chat('DescribeConversation', { conversation_id: id });
    expect([described.status, described.body.code]).toEqual([404, 'not_found']);
    await expectCleanConsole(consolePage);
  });

  it('searches titles and messages from the sidebar, and shows the whole list again when the search is cleared', async () => {
    const match = await started('Notes on the quince orchard');
    const other = await started('Something else entirely');
    const consolePage = await openSignedIn('/console');
    const { page } = consolePage;
    await page.locator(`.conversation-link[data-conversation-id="${other}"]`).waitFor();
    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('QUINCE');
    await expect.poll(() => page.locator('.conversation-link').evaluateAll((links) => links.map((link) => link.getAttribute('data-conversation-id')))).toEqual([match]);
    await search.fill('no such text anywhere');
    await expect.poll(() => page.locator('.conversation-status').textContent()).toBe('No conversation matches.');
    // Hostile text is only text: nothing breaks and nothing matches.
    await search.fill('.*(a+)+$ <img src=x onerror=alert(1)>');
    await expect.poll(() => page.locator('.conversation-status').textContent()).toBe('No conversation matches.');
    await search.fill('');
    await expect.poll(() => page.locator(`.conversation-link[data-conversation-id="${other}"]`).count()).toBe(1);
    expect(await page.locator(`.conversation-link[data-conversation-id="${match}"]`).count()).toBe(1);
    await expectCleanConsole(consolePage);
  });

  it('exports the open conversation as Markdown and as JSON files', async () => {
    const id = await started('export me from the browser');
    const consolePage = await openSignedIn(`/console/chat/${id}`);
    const { page } = consolePage;
    await expect.poll(() => page.locator('.message').count()).toBe(2);
    const [markdown] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export Markdown' }).click()]);
    expect(markdown.suggestedFilename()).toBe(`acai-conversation-${id}.md`);
    const markdownText = await readFile((await markdown.path())!, 'utf8');
    expect(markdownText).toMatch(/^# About Export Me From/);
    expect(markdownText).toContain('export me from the browser');
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    expect(json.suggestedFilename()).toBe(`acai-conversation-${id}.json`);
    const document = JSON.parse(await readFile((await json.path())!, 'utf8'));
    expect(document).toMatchObject({ format: 'acai.conversation-export/v1', conversation: { id } });
    await expectCleanConsole(consolePage);
  });

  it('regenerates the last reply in place (streamed), offers it only on the last reply, and copies a message', async () => {
    const consolePage = await openSignedIn('/console');
    const { page, context } = consolePage;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
    await send(page, 'first question');
    await send(page, 'second question');
    const replies = page.locator('.message[data-role="assistant"]');
    await expect.poll(() => replies.count()).toBe(2);
    expect(await replies.nth(0).getByRole('button', { name: 'Regenerate the reply' }).isVisible()).toBe(false);
    const conversationId = new URL(page.url()).pathname.split('/').at(-1)!;
    const before = (await host.chat('DescribeConversation', { conversation_id: conversationId })).body.conversation.messages as Array<Record<string, any>>;

    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    host.fake.enqueueFor(CHAT_MODEL, { type: 'text', content: 'A better second answer.', chunks: ['A better ', 'second answer.'], pauseAfterChunks: 1, resume: resumed });
    await replies.nth(1).hover();
    await replies.nth(1).getByRole('button', { name: 'Regenerate the reply' }).click();
    // It streams in the old reply's place; the old one is gone from the log while the new one is written.
    await expect.poll(() => replies.last().locator('.message-text').textContent()).toBe('A better ');
    expect(await replies.count()).toBe(2);
    expect(await replies.last().getAttribute('data-state')).toBe('streaming');
    resume();
    await expect.poll(() => replies.last().getAttribute('data-state')).toBe('complete');
    expect(await replies.last().locator('.message-text').textContent()).toBe('A better second answer.');
    const after = (await host.chat('DescribeConversation', { conversation_id: conversationId })).body.conversation.messages as Array<Record<string, any>>;
    expect(after.map((message) => message.content)).toEqual([before[0]!.content, before[1]!.content, before[2]!.content, 'A better second answer.']);
    expect(after[3]!.id).not.toBe(before[3]!.id);
    // The regenerated reply is the last one again, and it is what reloads show.
    expect(await replies.last().getByRole('button', { name: 'Regenerate the reply' }).count()).toBe(1);

    await replies.last().hover();
    await replies.last().getByRole('button', { name: 'Copy the reply' }).click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe('A better second answer.');
    await expect.poll(() => replies.last().getByRole('button', { name: 'Copy the reply' }).textContent()).toBe('Copied');
    await expectCleanConsole(consolePage);
  });

  it('keeps the old reply when a regeneration fails, saying so', async () => {
    const consolePage = await openSignedIn('/console');
    const { page } = consolePage;
    await send(page, 'keep this answer');
    const replies = page.locator('.message[data-role="assistant"]');
    const kept = await replies.last().locator('.message-text').textContent();
    host.fake.enqueueFor(CHAT_MODEL, { type: 'error', status: 400, message: 'the model refused', errorType: 'invalid_request_error' });
    await replies.last().hover();
    await replies.last().getByRole('button', { name: 'Regenerate the reply' }).click();
    await expect.poll(() => page.locator('.chat-notice').textContent()).toMatch(/^Regenerating failed: .*The previous reply is kept\.$/);
    expect(await replies.last().locator('.message-text').textContent()).toBe(kept);
    expect(await replies.last().getAttribute('data-state')).toBe('complete');
    await expectCleanConsole(consolePage);
  });

  it('shows an MCP tool’s image inline (a checked data: URL), its structured result as a tree, and the reply’s token usage', async () => {
    const consolePage = await openSignedIn('/console');
    const { page } = consolePage;
    await send(page, 'show me a picture');
    const image = page.locator(`.tool-images[data-tool="${IMAGE_TOOL}"] img`);
    await expect.poll(() => image.count()).toBe(1);
    expect(await image.getAttribute('src')).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
    // Chromium decoded it: a real 2×2 PNG, shown without expanding the tool call.
    await expect.poll(() => image.evaluate((element) => (element as unknown as { naturalWidth: number }).naturalWidth)).toBe(2);
    expect(await image.isVisible()).toBe(true);

    const toolCall = page.locator(`.tool-call[data-tool="${IMAGE_TOOL}"]`);
    await toolCall.locator('summary').first().click();
    const tree = toolCall.locator('.tool-call-data .json-tree');
    await tree.waitFor();
    expect(await tree.locator('.json-key').allTextContents()).toEqual(['colour']);
    expect(await tree.locator('.json-string').textContent()).toBe('"red"');
    expect(await tree.locator('.json-size').first().textContent()).toBe('{1 key}');

    const usage = page.locator('.message[data-role="assistant"]').last().locator('.message-usage');
    await expect.poll(() => usage.textContent()).toMatch(/^[\d,]+ in · [\d,]+ out$/);
    // The same after a reload, from what the host stored.
    await page.reload();
    await expect.poll(() => page.locator(`.tool-images[data-tool="${IMAGE_TOOL}"] img`).count()).toBe(1);
    await expect.poll(() => page.locator('.message[data-role="assistant"]').last().locator('.message-usage').textContent()).toMatch(/^[\d,]+ in · [\d,]+ out$/);
    await expectCleanConsole(consolePage);
  });

  it('never shows markup dressed up as an image: no img element, nothing runs', async () => {
    const consolePage = await openSignedIn('/console');
    const { page } = consolePage;
    await send(page, 'the disguised one, please');
    const toolCall = page.locator(`.tool-call[data-tool="${DISGUISED_IMAGE_TOOL}"]`);
    await expect.poll(() => toolCall.getAttribute('data-state')).toBe('ok');
    expect(await page.locator('.message-log img').count()).toBe(0);
    await toolCall.locator('summary').first().click();
    expect(await toolCall.locator('.tool-call-result').textContent()).toMatch(/not shown: only PNG, JPEG, GIF and WebP images are shown/);
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).__acaiXss)).toBeUndefined();
    await expectCleanConsole(consolePage);
  });

  it('counts errors the same way on the plugins page and the metrics page', async () => {
    // One call the model got wrong (invalid_input: not an error), one failure (an error), one success.
    host.fake.enqueueFor(CHAT_MODEL, { type: 'tool_calls', calls: [{ name: PROBE_TOOL, arguments: { label: 'x'.repeat(300) } }] });
    await host.chat('StartConversation', { message: 'a call with bad arguments' });
    host.fake.enqueueFor(CHAT_MODEL, { type: 'tool_calls', calls: [{ name: 'console-probe__fail_loudly', arguments: {} }] });
    await host.chat('StartConversation', { message: 'a failing call' });
    await host.chat('StartConversation', { message: 'render the markup' });

    const consolePage = await openSignedIn('/console/plugins', ADMIN_KEY);
    const { page } = consolePage;
    const card = page.locator('.plugin-card[data-plugin="console-probe"]');
    const pluginErrors = card.locator('.fact', { hasText: 'Errors' }).locator('dd');
    await expect.poll(() => pluginErrors.textContent()).toBe('1');
    const definition = await page.getByTestId('error-definition').textContent();
    expect(definition).toMatch(/^Errors: a call whose outcome is anything but ok, invalid_input or cancelled/);

    await page.getByRole('link', { name: 'Metrics' }).click();
    const errorsOf = (tool: string) => page.locator(`tr[data-tool-key="console-probe/${tool}"] td`).nth(2);
    await expect.poll(() => errorsOf('fail_loudly').textContent()).toBe('1');
    expect(await errorsOf('render_markup').textContent()).toBe('0');
    expect((await page.getByTestId('error-definition').textContent())?.split('.')[0]).toBe(definition?.split('.')[0]);
    await expectCleanConsole(consolePage);
  });
});
