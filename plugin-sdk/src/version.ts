import { readFileSync } from 'node:fs';

// Read from our own package.json (one level up from src/ and dist/) so the version is written once.
const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The version of this SDK package; hosts check plugins' peer ranges against it. */
export const SDK_VERSION: string = packageJson.version;

/** The SDK API major a plugin's manifest `sdkApi` must name. */
export const SDK_API_VERSION: string = SDK_VERSION.split('.')[0] ?? '1';
