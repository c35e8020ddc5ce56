/**
 * `@acai/plugin-sdk/host` — HOST-INTERNAL. Not part of the plugin authoring API and not covered by the
 * SDK's semver promise: exports may change or disappear in any release.
 *
 * These are the load-time checks and call-path steps that the Acai host (`@acai/core`) and the SDK's own
 * test harness share, so that a plugin passing `createHarness` passes the host's checks word for word.
 * They live in the SDK package only so that both can import one copy. Plugin authors need
 * `@acai/plugin-sdk` and `@acai/plugin-sdk/testing`, nothing from here.
 *
 * The list holds only what the host imports; the SDK's own modules import these files directly, so an
 * unused export can be dropped here without breaking the harness.
 *
 * @packageDocumentation
 * @internal
 */
export { PluginCheckError, formatProblems } from './plugin-check-error.js';
export type { CheckProblem, PluginCheckCode } from './plugin-check-error.js';
export { createSchemaCompiler, toCheckProblems, escapePointer } from './create-schema-compiler.js';
export type { SchemaCompilerOptions } from './create-schema-compiler.js';
export { checkManifest, readPackageJson, SDK_PACKAGE_NAME } from './check-manifest.js';
export { checkVersionRange, checkSdkCompatibility, checkHostCompatibility } from './check-compatibility.js';
export { checkPluginDefinition } from './check-plugin-definition.js';
export { preparePlugin } from './prepare-plugin.js';
export type { PreparedPlugin, PreparedTool, QuarantinedTool } from './prepare-plugin.js';
export { lintStrictToolSchema } from './lint-strict-tool-schema.js';
export { formsOfPlainSchema, formsOfStrictSchema } from './tool-schema-forms.js';
export type { ToolSchemaForms } from './tool-schema-forms.js';
export { schemaFingerprint } from './schema-fingerprint.js';
export {
  parseToolArguments,
  checkToolArguments,
  normalizeToolOutput,
  toToolFailure,
  formatToolFailure,
  capToolOutput,
  createSecretScrubber,
  REDACTED,
} from './tool-call-steps.js';
export type { ParsedArguments, ToolFailure } from './tool-call-steps.js';
export { createToolHttpClient } from './create-tool-http-client.js';
export { MemoryToolCache } from './memory-tool-cache.js';
export { createSystemClock, createFakeClock } from './clocks.js';
