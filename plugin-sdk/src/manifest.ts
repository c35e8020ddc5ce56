/** A secret a plugin needs: a top-level key of its config whose value must never be logged or shown. */
export interface SecretDeclaration {
  /** Top-level config key holding the secret (e.g. `apiKey`). */
  readonly key: string;
  /** When true the host refuses to load the plugin while the secret is unset. */
  readonly required?: boolean;
  /** Human description for operators (e.g. "WeatherAPI.com key"). */
  readonly description?: string;
}

/**
 * The `acai` block of a plugin's package.json: what the host must know before importing any code.
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
export interface PluginManifest {
  /** Module (relative to the package root) whose default export is the plugin. */
  readonly entry: string;
  /** Major version of the SDK API the plugin was written against. */
  readonly sdkApi: string;
  /** Semver range of Acai host versions the plugin works with. */
  readonly hostRange?: string;
  /** Outbound network access. */
  readonly network?: { readonly hosts: readonly string[] };
  /** Secrets the plugin needs from its config. */
  readonly secrets?: readonly SecretDeclaration[];
}

/** The parts of a plugin's package.json the host reads. */
export interface PluginPackageJson {
  readonly name: string;
  readonly version: string;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly acai: PluginManifest;
}
