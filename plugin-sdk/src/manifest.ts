import type { DeepReadonly, InferSchema } from './schema-types.js';

// A host name as `acai.network.hosts` lists it: a DNS name, optionally `*.`-wildcarded, optionally with a port.
const HOST_NAME = '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*(:[0-9]{1,5})?$';

/**
 * JSON Schema of a permission set: what a plugin asks for in `acai.permissions` (and an MCP server in its
 * `mcp.permissions`), and what an operator grants in plugins.config.json (`permissions`). Every field is
 * optional and an absent field asks for (or grants) nothing.
 */
export const permissionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    network: {
      type: 'array',
      maxItems: 256,
      uniqueItems: true,
      description: 'Hosts it may reach: "api.example.com" (any port), "api.example.com:8443" or "*.example.com".',
      items: { type: 'string', pattern: HOST_NAME },
    },
    env: {
      type: 'array',
      maxItems: 64,
      uniqueItems: true,
      description: "Host environment variables it may read, by name (rare: secrets normally come through the plugin's config).",
      items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
    },
    read: {
      type: 'array',
      maxItems: 64,
      uniqueItems: true,
      description: 'Extra absolute paths it may read (files or directories, read-only). Default: none.',
      items: { type: 'string', pattern: '^/', maxLength: 4096 },
    },
    scratch: {
      type: 'object',
      additionalProperties: false,
      required: ['sizeMb'],
      description: 'A private writable directory (/scratch, also $HOME and $TMPDIR), emptied at every start, of at most sizeMb MiB. Default: none.',
      properties: { sizeMb: { type: 'integer', minimum: 1, maximum: 4096 } },
    },
    processes: { type: 'boolean', description: 'Whether it may start other processes (programs of the system, or another copy of itself). Default: false.' },
  },
} as const;

/**
 * JSON Schema of the parts of a plugin's package.json the host reads; the manifest check validates against it
 * and the manifest types below are derived from it, so the two cannot drift apart.
 */
export const pluginPackageJsonSchema = {
  type: 'object',
  required: ['name', 'version', 'acai'],
  properties: {
    name: { type: 'string', minLength: 1 },
    version: { type: 'string', minLength: 1 },
    peerDependencies: { type: 'object', additionalProperties: { type: 'string' } },
    acai: {
      type: 'object',
      required: ['entry', 'sdkApi'],
      additionalProperties: false,
      properties: {
        entry: { type: 'string', pattern: '^\\.{1,2}/', description: "Module (relative to the package root) whose default export is the plugin." },
        sdkApi: { type: 'string', pattern: '^[0-9]+$', description: 'Major version of the SDK API the plugin was written against.' },
        hostRange: { type: 'string', minLength: 1, description: 'Semver range of Acai host versions the plugin works with.' },
        network: {
          type: 'object',
          required: ['hosts'],
          additionalProperties: false,
          description: 'Outbound network access (the older spelling of permissions.network; both lists are asked for).',
          properties: { hosts: { type: 'array', items: { type: 'string', pattern: HOST_NAME } } },
        },
        permissions: { ...permissionsSchema, description: 'What the plugin asks the operator for: network hosts, environment variables, extra read-only paths, a scratch directory, processes.' },
        secrets: {
          type: 'array',
          description: 'Secrets the plugin needs from its config.',
          items: {
            type: 'object',
            required: ['key'],
            additionalProperties: false,
            properties: {
              key: { type: 'string', minLength: 1, description: 'Top-level config key holding the secret (e.g. `apiKey`).' },
              required: { type: 'boolean', description: 'When true the host refuses to load the plugin while the secret is unset.' },
              description: { type: 'string', description: 'Human description for operators (e.g. "WeatherAPI.com key").' },
            },
          },
        },
      },
    },
  },
} as const;

/** The parts of a plugin's package.json the host reads (name, version, the SDK peer range and the `acai` block). */
export type PluginPackageJson = DeepReadonly<Pick<InferSchema<typeof pluginPackageJsonSchema>, 'name' | 'version' | 'peerDependencies' | 'acai'>>;

/**
 * The `acai` block of a plugin's package.json: what the host must know before importing any code
 * (each field is described in {@link pluginPackageJsonSchema}).
 *
 * @example
 * "acai": {
 *   "entry": "./dist/index.js",
 *   "sdkApi": "1",
 *   "hostRange": ">=0.1.0 <1.0.0",
 *   "permissions": { "network": ["api.weatherapi.com"] },
 *   "secrets": [{ "key": "apiKey", "required": false }]
 * }
 */
export type PluginManifest = PluginPackageJson['acai'];

/**
 * A permission set (each field described in {@link permissionsSchema}): what a plugin asks for in
 * `acai.permissions`, and the shape of the grant an operator writes in plugins.config.json.
 *
 * @example
 * "permissions": { "network": ["api.example.com"], "scratch": { "sizeMb": 16 } }
 */
export type PluginPermissions = DeepReadonly<InferSchema<typeof permissionsSchema>>;

/** A secret a plugin needs: a top-level key of its config whose value must never be logged or shown. */
export type SecretDeclaration = NonNullable<PluginManifest['secrets']>[number];
