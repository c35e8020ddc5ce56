// The OS sandbox third-party plugins and stdio MCP servers run in: bubblewrap, driven directly (see docs/sandbox.md).
export { createSandbox } from './create-sandbox.js';
export type { ProtectedPath, Sandbox, SandboxDescription, SandboxOptions, SandboxSpawnOptions } from './create-sandbox.js';
export { compiledHostFile, HOST_PACKAGE_JSON, requireCompiledHostFile } from './host-files.js';
export { packageDependencyPaths } from './package-dependency-paths.js';
export { resolveCommand } from './resolve-command.js';
export { BUBBLEWRAP_LOCATIONS, probeSandbox } from './probe-sandbox.js';
export type { SandboxProbe } from './probe-sandbox.js';
