// How long tests wait, in one place. Every budget here protects against a hang: a healthy run stays far
// below it even on a 2-core machine at load average 15 (`npm run test:loaded`), so it costs nothing when
// things work and only decides how long a broken test takes to fail. The rules that go with it:
//
// - Wait for the event or condition (a log line, a metric, a state), bounded by one of these budgets;
//   never sleep a fixed time standing in for "it is ready by now".
// - Never assert that something was fast: speed is measured by the bench/ scripts against an in-run
//   baseline. A test may bound a wait that would otherwise hang, with one of these budgets.
// - A deadline a test provokes on purpose (a tool that never answers, a server that never initializes)
//   stays short, so the suite stays quick; nothing healthy may have to beat it. A start-up or call
//   deadline a test is not about gets a budget from here instead of the production default.
//
// Every budget is multiplied by ACAI_TEST_TIME_SCALE (default 1, read in ./env.ts) for machines slower
// than a busy 2-core one.
import { testTimeScale } from './env.js';

/** The factor applied to every budget below. */
export const TEST_TIME_SCALE = testTimeScale();

/** `milliseconds` times ACAI_TEST_TIME_SCALE. */
export function scaledMs(milliseconds: number): number {
  return Math.round(milliseconds * TEST_TIME_SCALE);
}

/**
 * vitest's timeout for one test (vitest.config.ts). The heaviest tests start several host processes or
 * reload a plugin set eight times under chat load: seconds when idle, a minute on a loaded machine.
 */
export const TEST_TIMEOUT_MS = scaledMs(120_000);
/** vitest's timeout for one hook: `beforeAll` hooks start hosts, browsers, private servers and workers. */
export const HOOK_TIMEOUT_MS = scaledMs(180_000);
/**
 * How long to wait for something that normally happens within a second or two (vi.waitFor, expect.poll,
 * waitUntil): a worker or MCP server restart is a new process, niced below the CPU hogs of a loaded run.
 */
export const WAIT_TIMEOUT_MS = scaledMs(30_000);
/**
 * Start-up deadlines the host enforces (a worker importing its plugin and running setup, an MCP server
 * answering initialize) in tests that are not about start-up: a loaded machine can take seconds.
 */
export const START_UP_DEADLINE_MS = scaledMs(60_000);
/**
 * Call deadlines (a plugin's soft call timeout, a worker's hard deadline) in tests that are not about
 * them: a healthy call never reaches it, even on a worker niced below two CPU hogs.
 */
export const CALL_DEADLINE_MS = scaledMs(30_000);

/** Options for `vi.waitFor(callback, WAIT)`: poll every 20 ms for up to {@link WAIT_TIMEOUT_MS}. */
export const WAIT = { timeout: WAIT_TIMEOUT_MS, interval: 20 } as const;

/**
 * Resolves with the first truthy value of `condition` (polled every 20 ms); fails after `timeoutMs`
 * naming `what` was awaited. For conditions that are plain values; `vi.waitFor` suits `expect` callbacks.
 */
export async function waitUntil<T>(
  condition: () => T | undefined | null | false | 0 | '' | Promise<T | undefined | null | false | 0 | ''>,
  what = 'the condition',
  timeoutMs: number = WAIT_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
