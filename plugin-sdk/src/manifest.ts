import type { DeepReadonly, InferSchema } from './schema-types.js';

// A host name as `acai.network.hosts` lists it: a DNS name, optionally `*.`-wildcarded, optionally with a port.
const HOST_NAME = '^(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*(:[0-9]{1,5})?$';

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
          description: 'Outbound network access.',
          properties: { hosts: { type: 'array', items: { type: 'string', pattern: HOST_NAME } } },
        },
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
 *   "network": { "hosts": ["api.weatherapi.com"] },
 *   "secrets": [{ "key": "apiKey", "required": false }]
 * }
 */
export type PluginManifest = PluginPackageJson['acai'];

/** A secret a plugin needs: a top-level key of its config whose value must never be logged or shown. */
export type SecretDeclaration = NonNullable<PluginManifest['secrets']>[number];
