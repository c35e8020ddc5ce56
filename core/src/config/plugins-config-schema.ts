import { permissionsSchema, type InferSchema } from '@acai/plugin-sdk';

// The one source of plugins.config.json's shape. The host validates against this object, the config types
// below are derived from it, and core/schemas/plugins.config.schema.json (what editors read through `$schema`)
// is written from it by core/scripts/write-plugins-config-schema.ts; plugins-config-schema.test.ts keeps the two identical.

// Limits shared by a plugin's own `policy` (unset fields inherit) and `defaults.policy` (every field defaulted).
const TIMEOUT_MS = { type: 'integer', minimum: 1, maximum: 600000 } as const;
const MAX_CONCURRENT = { type: 'integer', minimum: 1, maximum: 10000 } as const;
const MAX_QUEUE = { type: 'integer', minimum: 0, maximum: 100000 } as const;
const MAX_OUTPUT_BYTES = { type: 'integer', minimum: 256, maximum: 10485760 } as const;
const FAILURE_THRESHOLD = { type: 'integer', minimum: 1, maximum: 1000 } as const;
const HALF_OPEN_AFTER_MS = { type: 'integer', minimum: 1, maximum: 3600000 } as const;
const MAX_ATTEMPTS = { type: 'integer', minimum: 1, maximum: 10 } as const;
const STRING_LIST = { type: 'array', items: { type: 'string' }, uniqueItems: true } as const;

/** JSON Schema (draft-07) of plugins.config.json. */
export const pluginsConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://acai.dev/schemas/plugins.config.schema.json',
  title: 'Acai plugins.config.json',
  description: 'Which tool plugins the Acai host loads, where each comes from, its configuration and its call policy.',
  type: 'object',
  additionalProperties: false,
  required: ['plugins'],
  properties: {
    $schema: { type: 'string', description: 'Path or URL of this schema, for editors.' },
    defaults: {
      type: 'object',
      description: "Settings merged under every plugin's own.",
      additionalProperties: false,
      default: {},
      properties: { policy: { $ref: '#/definitions/policyWithDefaults' } },
    },
    plugins: { type: 'array', description: 'The plugins, in load order.', items: { $ref: '#/definitions/plugin' } },
  },
  definitions: {
    plugin: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: {
          type: 'string',
          pattern: '^[a-z][a-z0-9-]{0,30}[a-z0-9]$',
          description: "The plugin's name (its definePlugin name); tools are exposed as <name>__<tool>.",
        },
        package: { type: 'string', minLength: 1, description: 'Installed npm package name, resolved from node_modules next to this file.' },
        path: { type: 'string', minLength: 1, description: 'Local plugin package directory, relative to this file.' },
        tarball: {
          type: 'string',
          pattern: '\\.(tgz|tar\\.gz)$',
          description: 'A packed plugin (npm pack), relative to this file; extracted into the data directory.',
        },
        mcp: { $ref: '#/definitions/mcp' },
        version: {
          type: 'string',
          minLength: 1,
          description:
            'Semver range of plugin versions the operator accepts (e.g. "^1.0.0"); for an MCP server, checked against the version it reports when that is semver.',
        },
        enabled: { type: 'boolean', default: true },
        required: { type: 'boolean', default: false, description: 'When true, failing to load this plugin stops the host.' },
        mode: {
          enum: ['inline', 'worker'],
          description:
            'Where the plugin runs: inline (host event loop, trusted code) or worker (own thread, or process in a sandbox). Default: inline for the first-party plugins shipped with the host, worker otherwise. Not for MCP servers, which always run outside the host.',
        },
        sandbox: {
          enum: ['bubblewrap', 'none'],
          description:
            'The OS sandbox the plugin (or stdio MCP server) runs in. Default: bubblewrap for everything that is not first-party; "none" opts this entry out (it then gets every file, variable and network address the host has; logged and shown as a warning).',
        },
        permissions: {
          $ref: '#/definitions/permissions',
          description:
            'What the operator grants this plugin. It loads only when its request (its manifest\'s acai.permissions, or mcp.permissions) asks for no more; it then gets exactly this.',
        },
        config: {
          type: 'object',
          default: {},
          description:
            "The plugin's configuration, validated against its configSchema. Strings may reference environment variables as ${NAME} or ${NAME:-fallback}.",
        },
        policy: { $ref: '#/definitions/policy' },
        tools: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Expose only some tools of the plugin.',
          properties: { allow: STRING_LIST, deny: STRING_LIST },
        },
        network: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            allowHosts: {
              type: 'array',
              default: [],
              description: 'Extra hosts the plugin may reach besides those its manifest declares (e.g. a local mirror: "127.0.0.1:8081").',
              items: { type: 'string', minLength: 1 },
            },
          },
        },
      },
      description: 'One plugin. Exactly one of package, path, tarball or mcp says where it comes from.',
    },
    policy: {
      type: 'object',
      additionalProperties: false,
      description: 'Call policy of one plugin; unset fields come from defaults.policy.',
      properties: {
        timeoutMs: { ...TIMEOUT_MS, description: "Per-call deadline; the tool's abort signal fires when it passes." },
        setupTimeoutMs: { ...TIMEOUT_MS, description: "Deadline for the plugin's setup hook." },
        maxConcurrent: MAX_CONCURRENT,
        maxQueue: MAX_QUEUE,
        maxOutputBytes: { ...MAX_OUTPUT_BYTES, description: 'Larger results reach the model with head and tail kept.' },
        breaker: {
          type: 'object',
          additionalProperties: false,
          properties: {
            failureThreshold: { ...FAILURE_THRESHOLD, description: 'Consecutive failures that open the breaker.' },
            halfOpenAfterMs: { ...HALF_OPEN_AFTER_MS, description: 'Delay before one probe call is let through.' },
          },
        },
        retry: {
          type: 'object',
          additionalProperties: false,
          properties: { maxAttempts: { ...MAX_ATTEMPTS, description: 'Attempts for idempotent tools (1 = no retry).' } },
        },
      },
    },
    policyWithDefaults: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        timeoutMs: { ...TIMEOUT_MS, default: 10000 },
        setupTimeoutMs: { ...TIMEOUT_MS, default: 10000 },
        maxConcurrent: { ...MAX_CONCURRENT, default: 8 },
        maxQueue: { ...MAX_QUEUE, default: 32 },
        maxOutputBytes: { ...MAX_OUTPUT_BYTES, default: 16384 },
        breaker: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: { failureThreshold: { ...FAILURE_THRESHOLD, default: 5 }, halfOpenAfterMs: { ...HALF_OPEN_AFTER_MS, default: 30000 } },
        },
        retry: { type: 'object', additionalProperties: false, default: {}, properties: { maxAttempts: { ...MAX_ATTEMPTS, default: 1 } } },
      },
    },
    permissions: permissionsSchema,
    mcp: {
      type: 'object',
      additionalProperties: false,
      description:
        'A Model Context Protocol server whose tools become this plugin\'s tools: started over stdio (command, args, env, cwd) or reached over Streamable HTTP (url, headers). Strings may reference environment variables as ${NAME} or ${NAME:-fallback}.',
      properties: {
        command: {
          type: 'string',
          minLength: 1,
          description: 'stdio: the program to start (no shell), e.g. "npx", "uvx" or "node"; found on PATH or relative to this file.',
        },
        args: { type: 'array', items: { type: 'string' }, maxItems: 256, description: "stdio: the program's arguments." },
        env: {
          type: 'object',
          maxProperties: 256,
          propertyNames: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
          additionalProperties: { type: 'string' },
          description:
            "stdio: environment variables for the server. It also gets PATH, HOME, LOGNAME, SHELL, TERM and USER from the host's environment, never the rest of it.",
        },
        cwd: {
          type: 'string',
          minLength: 1,
          description: "stdio: working directory of the server, relative to this file (default: this file's directory).",
        },
        url: {
          type: 'string',
          pattern: '^https?://',
          maxLength: 2048,
          description: 'Streamable HTTP: the server\'s MCP endpoint, e.g. "https://mcp.example.com/mcp".',
        },
        permissions: {
          $ref: '#/definitions/permissions',
          description: "What the server needs (from its documentation): the request its entry's `permissions` must grant.",
        },
        headers: {
          type: 'object',
          maxProperties: 64,
          propertyNames: { type: 'string', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
          additionalProperties: { type: 'string' },
          description: 'Streamable HTTP: headers sent with every request, e.g. {"Authorization": "Bearer ${MCP_TOKEN}"}.',
        },
      },
    },
  },
} as const;

/** Where the schema is published for editors (`"$schema"` in plugins.config.json); the same path from src/ and dist/. */
export const PLUGINS_CONFIG_SCHEMA_FILE = new URL('../../schemas/plugins.config.schema.json', import.meta.url);

/** The schema file's text: two-space JSON with a final newline. */
export function renderPluginsConfigSchema(): string {
  return `${JSON.stringify(pluginsConfigSchema, null, 2)}\n`;
}

/** plugins.config.json after validation: keys with a schema default are present, the rest optional. */
export type PluginsConfigDocument = InferSchema<typeof pluginsConfigSchema>;

/** One `plugins[]` entry after validation. */
export type PluginEntryDocument = PluginsConfigDocument['plugins'][number];

/** A plugin's own `policy` block: every field optional, unset ones inherit `defaults.policy`. */
export type PolicyOverrides = NonNullable<PluginEntryDocument['policy']>;

/** An entry's `mcp` block as written (`${ENV}` references unresolved). */
export type McpServerDocument = NonNullable<PluginEntryDocument['mcp']>;

/** A `permissions` block: an entry's grant, or an MCP server's request (`mcp.permissions`). */
export type PermissionsDocument = NonNullable<PluginEntryDocument['permissions']>;

/** `defaults.policy` after validation: every field filled from the schema's defaults. */
export type PolicyDefaults = NonNullable<PluginsConfigDocument['defaults']['policy']>;
