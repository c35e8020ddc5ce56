// create-acai-plugin: the plugin scaffold behind `npm create acai-plugin` and `acai plugin create`.
// Everything exported here is public API.
export {
  checkPluginName,
  displayPath,
  hostRangeFor,
  resolveSdkDependency,
  scaffoldPlugin,
  SCAFFOLD_DEV_DEPENDENCIES,
  SCAFFOLD_HOST_VERSION,
  SIGNATURE_FILE_NAME,
} from './scaffold-plugin.js';
export type { ScaffoldPluginOptions, ScaffoldResult } from './scaffold-plugin.js';
export { ScaffoldError } from './scaffold-error.js';
export { CREATE_HELP, runCreate, runNpmInstall } from './run-create.js';
export type { CreateIo, InstallRunner } from './run-create.js';
