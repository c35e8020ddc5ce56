// The public surface of @acai/plugin-sdk. Anything exported here is public API.
export { definePlugin, isPluginDefinition, PLUGIN_NAME_PATTERN } from './define-plugin.js';
export type { PluginDefinition } from './define-plugin.js';
export { defineTool, TOOL_NAME_PATTERN } from './define-tool.js';
export type { ToolDefinition, ToolOutput } from './define-tool.js';
export { ToolError, CALLER_FAULT_CODES } from './tool-error.js';
export type { ToolErrorCode, ToolErrorOptions } from './tool-error.js';
export type {
  CacheSetOptions,
  Clock,
  HttpRequestOptions,
  HttpResponse,
  PluginIdentity,
  PluginSetupContext,
  ToolCache,
  ToolContext,
  ToolHttpClient,
  ToolLogger,
} from './context.js';
export { permissionsSchema } from './manifest.js';
export type { PluginManifest, PluginPackageJson, PluginPermissions, SecretDeclaration } from './manifest.js';
export type { InferSchema, JsonSchema } from './schema-types.js';
export { SECURE_BASE_URL_PATTERN, SECURE_URL_PATTERN } from './secure-url-pattern.js';
export { SDK_API_VERSION, SDK_VERSION } from './version.js';
