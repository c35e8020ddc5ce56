// Shared set-up for the chat suites. The executor, store and caller helpers live next to the chat unit
// tests (core/src/chat/testing) so both kinds of test run against the same parts.
export { clockTool, createFixtureTools, type FixtureTool, type FixtureTools } from '../../core/src/chat/testing/fixture-tools.js';
export { callerFor, createTemporaryStore, noSessions } from '../../core/src/chat/testing/chat-test-parts.js';

