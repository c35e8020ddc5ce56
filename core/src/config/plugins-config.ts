import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { createSchemaCompiler, toCheckProblems } from '@acai/plugin-sdk/host';
import { HostError } from '../errors/index.js';
import type { IsolationMode, PluginMode, SandboxSetting } from './isolation-modes.js';
import { mergeDefaults } from './merge-defaults.js';
import {
  pluginsConfigSchema,
  type McpServerDocument,
  type PermissionsDocument,
  type PluginEntryDocument,
  type PluginsConfigDocument,
  type PolicyDefaults,
} from './plugins-config-schema.js';

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };

/** The call policy of one plugin, fully resolved (defaults.policy merged under the plugin's own). */
export type PluginPolicy = DeepReadonly<PolicyDefaults>;

/** How the host reaches an MCP server (`${ENV}` references resolved; `cwd` absolute; `env` complete, inherited variables included). */
export type McpServerConfig =
  | {
      readonly transport: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
      readonly cwd: string;
    }
  | { readonly transport: 'streamable_http'; readonly url: string; readonly headers: Readonly<Record<string, string>> };

/** The wire an MCP plugin's server is reached over. */
export type McpTransportKind = McpServerConfig['transport'];

/** Where a plugin comes from: a package (paths are absolute) or an MCP server. */
export type PluginSource =
  | { readonly kind: 'package'; readonly package: string }
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'tarball'; readonly tarball: string }
  | {
      readonly kind: 'mcp';
      readonly server: McpServerConfig;
      /** Values from `env`, `headers` and the URL that look secret; scrubbed from logs and tool results. */
      readonly secretValues: readonly string[];
      /** What the server needs (`mcp.permissions`), the request the entry's grant must cover. */
      readonly request: PermissionsDocument | undefined;
    };

/** Config keys and variable names whose values are treated as secrets. */
export const SECRET_NAME_PATTERN = /(key|token|secret|password|credential|authorization)/i;

/** An environment variable a plugin's config referenced but that is not set (the key was left out). */
export interface UnresolvedVariable {
  /** JSON pointer into the plugin's `config` (for an MCP entry: into its `mcp` block). */
  readonly pointer: string;
  readonly variable: string;
  /** `plugins.config.json › weather › apiKey: environment variable WEATHER_API_KEY is not set` */
  readonly message: string;
}

/** One entry of plugins.config.json after validation, defaults and interpolation. */
export interface PluginEntryConfig {
  readonly name: string;
  readonly source: PluginSource;
  /** Semver range of plugin versions the operator accepts. */
  readonly version: string | undefined;
  readonly enabled: boolean;
  readonly required: boolean;
  /** `inline` or `worker` for packages, `external` for MCP servers (the loader may still run a third-party package's entry in a sandboxed worker). */
  readonly mode: PluginMode;
  /** The mode the entry names; undefined when it names none (then the default for the package's trust applies). */
  readonly explicitMode: IsolationMode | undefined;
  /** The sandbox the entry names; undefined: the default (a sandbox for everything that is not first-party). */
  readonly sandbox: SandboxSetting | undefined;
  /** The operator's grant as written; undefined when the entry grants nothing. */
  readonly permissions: PermissionsDocument | undefined;
  /** Values of the host's environment variables the grant names (those that are set); secrets, never log them. */
  readonly grantedEnvironment: Readonly<Record<string, string>>;
  /** The plugin's config with `${ENV}` references resolved (secrets included: never log it). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly policy: PluginPolicy;
  readonly tools: { readonly allow: readonly string[] | undefined; readonly deny: readonly string[] };
  readonly network: { readonly allowHosts: readonly string[] };
  readonly unresolvedVariables: readonly UnresolvedVariable[];
}

/** The rule of an entry's `tools.allow`/`tools.deny` lists: a tool is exposed when allowed (all are, without a list) and not denied. */
export function createToolFilter(tools: PluginEntryConfig['tools']): (toolName: string) => boolean {
  const allow = tools.allow === undefined ? undefined : new Set(tools.allow);
  const deny = new Set(tools.deny);
  return (toolName) => (allow === undefined || allow.has(toolName)) && !deny.has(toolName);
}

/** The validated, frozen plugins.config.json. */
export interface PluginsConfig {
  /** Absolute path of the file (or a label for in-memory configs). */
  readonly path: string;
  /** Directory relative paths are resolved against. */
  readonly dir: string;
  readonly defaults: { readonly policy: PluginPolicy };
  readonly plugins: readonly PluginEntryConfig[];
}

type Env = Readonly<Record<string, string | undefined>>;

type DocumentValidator = ReturnType<ReturnType<typeof createSchemaCompiler>['compile']>;
let validateDocument: DocumentValidator | undefined;
let schemaPolicyDefaults: PolicyDefaults | undefined;

/** Reads and validates a plugins.config.json file; every problem is reported in one HOST_CONFIG_INVALID error. */
export async function loadPluginsConfig(path: string, env: Env): Promise<PluginsConfig> {
  const absolutePath = resolve(path);
  let text: string;
  try {
    text = await readFile(absolutePath, 'utf8');
  } catch (error) {
    throw new HostError('HOST_CONFIG_INVALID', `${absolutePath}: cannot read the plugins config (${(error as Error).message}). Set PLUGINS_CONFIG to an existing file.`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new HostError('HOST_CONFIG_INVALID', `${absolutePath}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return parsePluginsConfig(document, { path: absolutePath, env });
}

/**
 * Validates a plugins.config.json document against {@link pluginsConfigSchema}, fills defaults,
 * merges defaults.policy under each plugin's policy and resolves `${ENV}` references in plugin configs.
 * Unset variables do not fail the whole file: they are recorded on the entry so only that plugin is refused.
 */
export function parsePluginsConfig(document: unknown, options: { path: string; env: Env }): PluginsConfig {
  const label = basename(options.path);
  validateDocument ??= createSchemaCompiler().compile(pluginsConfigSchema);
  const candidate = structuredClone(document);
  if (isRecord(candidate)) {
    // `default` next to a draft-07 $ref is ignored, so seed the object whose nested defaults the schema fills.
    candidate['defaults'] ??= {};
    const defaults = candidate['defaults'];
    if (isRecord(defaults)) defaults['policy'] ??= {};
  }
  const problems: string[] = [];
  if (!validateDocument(candidate)) {
    for (const problem of toCheckProblems(validateDocument.errors)) {
      problems.push(`${label} › ${describePointer(candidate, problem.pointer)}: ${problem.message}`);
    }
  }
  const raw = candidate as PluginsConfigDocument;
  const seen = new Set<string>();
  // The document as written (before schema defaults), to tell keys the operator set from filled-in ones.
  const written = isRecord(document) && Array.isArray(document['plugins']) ? (document['plugins'] as unknown[]) : [];
  for (const [index, entry] of (Array.isArray(raw?.plugins) ? raw.plugins : []).entries()) {
    if (typeof entry !== 'object' || entry === null || typeof entry.name !== 'string') continue;
    const sources = (['package', 'path', 'tarball', 'mcp'] as const).filter((key) => entry[key] !== undefined);
    if (sources.length !== 1) {
      problems.push(`${label} › ${entry.name}: set exactly one of "package", "path", "tarball" or "mcp" (found ${sources.length === 0 ? 'none' : sources.join(' and ')})`);
    }
    if (isRecord(entry.mcp)) problems.push(...mcpEntryProblems(entry.mcp, written[index], `${label} › ${entry.name}`));
    if (seen.has(entry.name)) problems.push(`${label} › ${entry.name}: the name is used by more than one plugin entry; names must be unique`);
    seen.add(entry.name);
  }
  if (problems.length > 0) {
    throw new HostError('HOST_CONFIG_INVALID', `${label} is invalid:\n  - ${[...new Set(problems)].join('\n  - ')}`, { meta: { file: options.path } });
  }
  const dir = dirname(options.path);
  // defaults.policy was seeded above, so the schema filled every field. Merged over the schema's own defaults it
  // takes their key order, so resolved policies serialise alike whatever order the file uses (reloads compare entries as JSON).
  schemaPolicyDefaults ??= fillPolicyDefaults(validateDocument);
  const defaultsPolicy: PluginPolicy = mergeDefaults(schemaPolicyDefaults, raw.defaults.policy);
  const plugins = raw.plugins.map((entry) => resolveEntry(entry, defaultsPolicy, dir, label, options.env));
  return deepFreeze({ path: options.path, dir, defaults: { policy: defaultsPolicy }, plugins });
}

/** Every policy field at the schema's default, in schema order. */
function fillPolicyDefaults(validate: DocumentValidator): PolicyDefaults {
  const empty = { plugins: [], defaults: { policy: {} } };
  validate(empty);
  return empty.defaults.policy as PolicyDefaults;
}

function resolveEntry(entry: PluginEntryDocument, defaults: PluginPolicy, dir: string, label: string, env: Env): PluginEntryConfig {
  const unresolvedVariables: UnresolvedVariable[] = [];
  const onMissing = (prefix: string) => (pointer: string, variable: string) =>
    unresolvedVariables.push({
      pointer,
      variable,
      message: `${label} › ${entry.name} › ${prefix}${pointer.slice(1).replace(/\//g, '.')}: environment variable ${variable} is not set`,
    });
  let source: PluginSource;
  if (entry.mcp !== undefined) {
    source = resolveMcpSource(entry.mcp, dir, env, onMissing('mcp.'));
  } else {
    source =
      entry.package !== undefined
        ? { kind: 'package', package: entry.package }
        : entry.path !== undefined
          ? { kind: 'path', path: resolve(dir, entry.path) }
          : { kind: 'tarball', tarball: resolve(dir, entry.tarball as string) };
  }
  // A guess from the name for the default mode only; the loader decides trust from where the files are (first-party.ts).
  const isFirstParty = source.kind === 'package' && source.package.startsWith('@acai/');
  const config = interpolate(entry.config, '', env, onMissing('')) as Record<string, unknown>;
  return {
    name: entry.name,
    source,
    version: entry.version,
    enabled: entry.enabled,
    required: entry.required,
    mode: source.kind === 'mcp' ? 'external' : (entry.mode ?? (isFirstParty ? 'inline' : 'worker')),
    explicitMode: entry.mode,
    sandbox: entry.sandbox,
    permissions: entry.permissions,
    grantedEnvironment: grantedEnvironment(entry.permissions, env),
    config,
    policy: mergeDefaults(defaults, entry.policy),
    tools: { allow: entry.tools.allow, deny: entry.tools.deny ?? [] },
    network: { allowHosts: entry.network.allowHosts },
    unresolvedVariables,
  };
}

/** The granted variables that are set in the host's environment, by name. */
function grantedEnvironment(permissions: PermissionsDocument | undefined, env: Env): Record<string, string> {
  const granted: Record<string, string> = {};
  for (const name of permissions?.env ?? []) {
    const value = env[name];
    if (value !== undefined) granted[name] = value;
  }
  return granted;
}

/**
 * The host's variables a stdio MCP server also gets (the list the MCP SDK and sudo use): enough to find
 * programs and a home directory, none of the host's secrets.
 */
export const MCP_INHERITED_VARIABLES = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'] as const;

// Headers the Streamable HTTP transport sets itself; an operator's value would break the session.
const TRANSPORT_HEADERS = new Set(['accept', 'content-type', 'content-length', 'host', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']);

/** What an `mcp` block must satisfy beyond the schema: one transport, and no keys that do not apply to MCP servers. */
function mcpEntryProblems(mcp: McpServerDocument, written: unknown, source: string): string[] {
  const problems: string[] = [];
  const isStdio = mcp.command !== undefined;
  const isHttp = mcp.url !== undefined;
  if (isStdio === isHttp) {
    problems.push(`${source} › mcp: set either "command" (a server started over stdio) or "url" (a Streamable HTTP server)${isStdio ? ', not both' : ''}`);
  } else if (isStdio && mcp.headers !== undefined) {
    problems.push(`${source} › mcp › headers: applies to Streamable HTTP servers ("url"), not to stdio servers`);
  } else if (isHttp) {
    const stdioKeys = (['args', 'env', 'cwd', 'permissions'] as const).filter((key) => mcp[key] !== undefined);
    if (stdioKeys.length > 0) problems.push(`${source} › mcp › ${stdioKeys.join(', ')}: applies to stdio servers ("command"), not to Streamable HTTP servers`);
  }
  for (const header of Object.keys(mcp.headers ?? {})) {
    if (TRANSPORT_HEADERS.has(header.toLowerCase())) problems.push(`${source} › mcp › headers › ${header}: set by the MCP transport itself; remove it`);
  }
  const writtenEntry = isRecord(written) ? written : {};
  for (const key of ['mode', 'config', 'network'] as const) {
    if (writtenEntry[key] !== undefined) {
      problems.push(
        `${source} › ${key}: does not apply to an MCP server (${key === 'mode' ? 'it always runs outside the host' : key === 'config' ? 'configure it through mcp.args, mcp.env or mcp.headers' : 'a stdio server asks for hosts in mcp.permissions.network and is granted them in permissions.network'}); remove it`,
      );
    }
  }
  if (isHttp) {
    for (const key of ['sandbox', 'permissions'] as const) {
      if (writtenEntry[key] !== undefined) problems.push(`${source} › ${key}: applies to stdio servers ("command"); a Streamable HTTP server runs elsewhere, outside any sandbox of this host`);
    }
  }
  return problems;
}

/** Resolves an `mcp` block: `${ENV}` references (unset ones reported), `cwd` against the config's directory, and which values are secret. */
function resolveMcpSource(mcp: McpServerDocument, dir: string, env: Env, onMissing: (pointer: string, variable: string) => void): PluginSource {
  const secretValues = new Set<string>();
  const resolved = interpolate(mcp, '', env, onMissing, (pointer, variable, value) => {
    // Anything substituted into env or headers is treated as secret; elsewhere only secret-looking variables.
    if (pointer.startsWith('/env/') || pointer.startsWith('/headers/') || SECRET_NAME_PATTERN.test(variable)) secretValues.add(value);
  }) as McpServerDocument;
  for (const values of [resolved.env, resolved.headers]) {
    for (const [key, value] of Object.entries(values ?? {})) {
      if (!SECRET_NAME_PATTERN.test(key)) continue;
      secretValues.add(value);
      // "Bearer <token>": the token alone may show up too.
      const credentials = /^\S+\s+(\S+)$/.exec(value)?.[1];
      if (credentials !== undefined) secretValues.add(credentials);
    }
  }
  if (resolved.url !== undefined) for (const value of urlSecrets(resolved.url)) secretValues.add(value);
  const server: McpServerConfig =
    resolved.url !== undefined
      ? { transport: 'streamable_http', url: resolved.url, headers: resolved.headers ?? {} }
      : { transport: 'stdio', command: resolved.command ?? '', args: resolved.args ?? [], env: { ...inheritedVariables(env), ...resolved.env }, cwd: resolve(dir, resolved.cwd ?? '.') };
  return { kind: 'mcp', server, secretValues: [...secretValues].filter((value) => value !== ''), request: mcp.permissions };
}

function inheritedVariables(env: Env): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of MCP_INHERITED_VARIABLES) {
    const value = env[name];
    // Skip exported shell functions, as the SDK does: they are code, not settings.
    if (value !== undefined && !value.startsWith('()')) inherited[name] = value;
  }
  return inherited;
}

/** The password and secret-looking query parameters of a URL. */
function urlSecrets(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const secrets = url.password === '' ? [] : [decodeURIComponent(url.password)];
  for (const [key, value] of url.searchParams) if (SECRET_NAME_PATTERN.test(key)) secrets.push(value);
  return secrets;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const MISSING = Symbol('missing');

/**
 * Resolves `${NAME}` / `${NAME:-fallback}` in every string; a key whose variable is unset is left out.
 * `onResolved` hears every value taken from the environment.
 */
function interpolate(
  value: unknown,
  pointer: string,
  env: Env,
  onMissing: (pointer: string, variable: string) => void,
  onResolved?: (pointer: string, variable: string, value: string) => void,
): unknown {
  if (typeof value === 'string') {
    let isMissing = false;
    const result = value.replace(REFERENCE, (_match, variable: string, fallback: string | undefined) => {
      const resolved = env[variable];
      if (resolved !== undefined && resolved !== '') {
        onResolved?.(pointer, variable, resolved);
        return resolved;
      }
      if (fallback !== undefined) return fallback;
      isMissing = true;
      onMissing(pointer, variable);
      return '';
    });
    return isMissing ? MISSING : result;
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolate(item, `${pointer}/${index}`, env, onMissing, onResolved)).filter((item) => item !== MISSING);
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const resolved = interpolate(child, `${pointer}/${key}`, env, onMissing, onResolved);
      if (resolved !== MISSING) result[key] = resolved;
    }
    return result;
  }
  return value;
}

/** Turns `/plugins/1/policy/timeoutMs` into `weather › policy › timeoutMs` for messages. */
function describePointer(document: unknown, pointer: string): string {
  const segments = pointer.split('/').slice(1);
  if (segments[0] === 'plugins' && segments[1] !== undefined) {
    const entry = (document as PluginsConfigDocument | undefined)?.plugins?.[Number(segments[1])];
    const name = typeof entry?.name === 'string' ? entry.name : `plugins[${segments[1]}]`;
    return [name, ...segments.slice(2)].join(' › ');
  }
  return segments.length === 0 ? '(root)' : segments.join(' › ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
