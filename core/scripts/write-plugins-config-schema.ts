// Writes core/schemas/plugins.config.schema.json (the file editors read through `$schema`) from the schema
// object in core/src/config/plugins-config-schema.ts. Run it after changing that object:
//   npx tsx core/scripts/write-plugins-config-schema.ts
// core/src/config/plugins-config-schema.test.ts fails while the two differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PLUGINS_CONFIG_SCHEMA_FILE, renderPluginsConfigSchema } from '../src/config/plugins-config-schema.js';

writeFileSync(PLUGINS_CONFIG_SCHEMA_FILE, renderPluginsConfigSchema());
console.log(`wrote ${fileURLToPath(PLUGINS_CONFIG_SCHEMA_FILE)}`);
