// The one definition of a tool-call "error", shared by the host's per-plugin counters (the plugins page,
// `acai plugin list`, ListPlugins) and the web console's metrics page, which reads acai_tool_calls_total.
// This file imports nothing, so the console bundles it as it is.

/** What counts as an error, in words, for help texts and docs. */
export const TOOL_CALL_ERROR_DEFINITION =
  'a call whose outcome is anything but ok, invalid_input or cancelled (arguments the model got wrong are its mistake, and a call its caller stopped is the caller\'s doing, not the tool failing)';

// Outcomes that are not errors: success, a caller fault the model is asked to correct, and a call the
// caller stopped (hung up, or its request deadline passed). Any other outcome — including one a newer
// host adds — is an error.
const NOT_ERRORS: ReadonlySet<string> = new Set(['ok', 'invalid_input', 'cancelled']);

/** True when a call with this outcome counts as an error (see {@link TOOL_CALL_ERROR_DEFINITION}). */
export function isToolCallError(outcome: string): boolean {
  return !NOT_ERRORS.has(outcome);
}
