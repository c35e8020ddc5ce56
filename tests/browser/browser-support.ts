// Drives Debian's Chromium with playwright-core for the console suites. Never `npx playwright install`:
// it downloads a browser, which this closed network refuses; tests/support/services.sh installs
// Debian's chromium like redis-server.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { chromiumBinary } from '../support/env.js';
import { START_UP_DEADLINE_MS } from '../support/timing.js';

/** Headless flags; the background-networking ones keep Chromium off the (closed) network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/**
 * The few browser globals the tests touch inside `page.evaluate` / init scripts (the test code compiles
 * without the DOM library, and these functions run in the page, not in Node).
 */
export interface PageGlobals {
  readonly sessionStorage: { getItem(key: string): string | null };
  readonly localStorage: { readonly length: number };
  readonly document: {
    readonly cookie: string;
    readonly activeElement: { readonly id: string; readonly tagName: string } | null;
    addEventListener(type: 'securitypolicyviolation', listener: (event: { readonly violatedDirective: string; readonly blockedURI: string }) => void): void;
  };
  __acaiProblems?: string[];
  /** Set by the console-probe fixture's markup if it ever ran. */
  __acaiXss?: string;
}

export type BrowserAvailability = { readonly isAvailable: true; readonly browser: Browser } | { readonly isAvailable: false; readonly reason: string };

/**
 * Launches Chromium. When the test runner provisioned it (ACAI_TEST_CHROMIUM_BIN), a failure throws:
 * the suite must run. Otherwise a missing or unlaunchable browser is reported as the reason to skip.
 */
export async function launchChromium(): Promise<BrowserAvailability> {
  const { path, isRequired } = chromiumBinary();
  const unavailable = (reason: string): BrowserAvailability => {
    if (isRequired) throw new Error(`the provisioned Chromium (${path}) is unusable: ${reason}`);
    return { isAvailable: false, reason };
  };
  if (!existsSync(path)) return unavailable(`Chromium is not installed at ${path} (tests/support/services.sh installs it with apt-get; run the suite with npm test)`);
  try {
    return { isAvailable: true, browser: await chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS], timeout: START_UP_DEADLINE_MS }) };
  } catch (error) {
    return unavailable(`Chromium did not start: ${String((error as Error).message).split('\n')[0]}`);
  }
}

/** A page of its own (fresh sessionStorage) that records what a clean console must never produce. */
export interface ConsolePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** CSP violations, script errors, dialogs and console errors seen so far. */
  problems(): Promise<string[]>;
  close(): Promise<void>;
}

/** Failed loads the console causes on purpose (probing /auth/whoami without a key, a refused key). */
export type ExpectedFailure = RegExp;

export async function openConsolePage(browser: Browser, baseUrl: string, options: { expectedFailures?: readonly ExpectedFailure[] } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 860 } });
  // Runs before the console's own code; CSP violations are collected where the page sees them.
  await context.addInitScript(() => {
    const page = globalThis as unknown as PageGlobals;
    const problems: string[] = [];
    page.__acaiProblems = problems;
    page.document.addEventListener('securitypolicyviolation', (event) => problems.push(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`));
  });
  const page = await context.newPage();
  const seen: string[] = [];
  const expected = options.expectedFailures ?? [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const text = `${message.text()} (${message.location().url})`;
    if (!expected.some((pattern) => pattern.test(text))) seen.push(`console error: ${text}`);
  });
  page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    seen.push(`dialog (${dialog.type()}): ${dialog.message()}`);
    void dialog.dismiss();
  });
  return {
    context,
    page,
    async problems() {
      const inPage = page.isClosed() ? [] : await page.evaluate(() => (globalThis as unknown as PageGlobals).__acaiProblems ?? []).catch(() => []);
      return [...seen, ...inPage];
    },
    close: () => context.close(),
  };
}

/** Asserts the page saw no CSP violation, script error, dialog or unexpected console error. */
export async function expectCleanConsole(consolePage: ConsolePage): Promise<void> {
  expect(await consolePage.problems()).toEqual([]);
}

/** The console probes /auth/whoami without a key before sign-in; that 401 is expected. */
export const WHOAMI_PROBE_401: ExpectedFailure = /status of 401.*\/auth\/whoami/;
