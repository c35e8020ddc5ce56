// @acai/plugin-sdk/host: the load-time checks and call-path building blocks shared by the Acai host
// and the test harness, so a plugin passing the harness passes the host. Anything exported here is public API.
export { PluginCheckError, formatProblems } from './plugin-check-error.js';
export type { CheckProblem, PluginCheckCode } from './plugin-check-error.js';
export { createSchemaCompiler, toCheckProblems, escapePointer, SCHEMA_COMPILER_OPTIONS } from './create-schema-compiler.js';
export type { SchemaValidator } from './create-schema-compiler.js';
export { checkManifest, readPackageJson, SDK_PACKAGE_NAME } from './check-manifest.js';
export { checkVersionRange, checkSdkCompatibility, checkHostCompatibility } from './check-compatibility.js';
export { checkPluginDefinition } from './check-plugin-definition.js';
export type { PluginShape, ToolShape } from './check-plugin-definition.js';
export { preparePlugin, validatePluginConfig, checkSecrets } from './prepare-plugin.js';
export type { PreparedPlugin, PreparedTool, QuarantinedTool } from './prepare-plugin.js';
export { lintStrictToolSchema } from './lint-strict-tool-schema.js';
export { schemaFingerprint, canonicalJson } from './schema-fingerprint.js';
export {
  parseToolArguments,
  checkToolArguments,
  normalizeToolOutput,
  isToolFailure,
  toToolFailure,
  formatToolFailure,
  capToolOutput,
  createSecretScrubber,
  REDACTED,
} from './tool-call-steps.js';
export type { ParsedArguments, ToolFailure, ToolSuccess } from './tool-call-steps.js';
export { createToolHttpClient, createHostMatcher } from './create-tool-http-client.js';
export type { ToolHttpClientOptions } from './create-tool-http-client.js';
export { MemoryToolCache } from './memory-tool-cache.js';
export { createSystemClock, createFakeClock, systemTimeZone } from './clocks.js';
export type { FakeClock } from './clocks.js';
