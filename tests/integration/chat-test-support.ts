// Shared set-up for the chat suites. The executor, store and caller helpers live next to the chat unit
// tests (core/src/chat/testing) so both kinds of test run against the same parts.
export { clockTool, createFixtureTools, type FixtureTool, type FixtureTools } from '../../core/src/chat/testing/fixture-tools.js';
export { callerFor, createTemporaryStore, noSessions } from '../../core/src/chat/testing/chat-test-parts.js';

/** Resolves when `predicate` holds, polling briefly (for "both requests are in flight" checks). */
export async function eventually(predicate: () => boolean, attempts = 500): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}
