import { realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { displayPath, scaffoldPlugin, ScaffoldError, type ScaffoldResult } from 'create-acai-plugin';
import { HOST_VERSION } from '../../../app.js';
import { CliError, usageError } from '../../cli-error.js';
import { createStyle, type CliIo } from '../../cli-io.js';
import { parseCommandArgs } from '../../parse-command-args.js';

export const PLUGIN_CREATE_HELP = `Usage: acai plugin create <name> [options]

Scaffold a plugin package: package.json with the \`acai\` manifest and the SDK peer range, one
example tool with a strict JSON Schema and typed arguments, a test using the SDK harness,
tsconfig, README, LICENSE, CHANGELOG and a CI workflow. In the new folder, \`npm install\`, \`npm test\`, \`npm run build\` and
\`npm pack\` work out of the box.

<name> is the plugin name: 2–32 lower-case letters, digits and dashes (the package is
acai-plugin-<name>; the model sees tools as <name>__<tool>).

Options:
  --dir <path>            target folder (default ./acai-plugin-<name>); must be empty or missing
  --sdk <path|version>    where @acai/plugin-sdk comes from: the SDK folder (installed as file:)
                          or a registry version range (default: this host's SDK folder when it
                          is a checkout, else ^1.0.0)
  --description <text>    one line for operators and the model

Examples:
  acai plugin create stock-quotes
  acai plugin create stock-quotes --dir ~/src/stock-quotes --sdk ~/src/acai/plugin-sdk
  acai plugin create stock-quotes --sdk ^1.0.0 --description "Stock quotes from Example Exchange"
`;

export async function runPluginCreate(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('plugin create', args, {
    dir: { type: 'string' },
    sdk: { type: 'string' },
    description: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(PLUGIN_CREATE_HELP);
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined) throw usageError('missing the plugin name', 'plugin create');
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, 'plugin create');
  if (values.description !== undefined && /[\r\n]/.test(values.description)) {
    throw usageError('--description must be one line', 'plugin create');
  }
  const sdk = values.sdk ?? (await localSdkFolder());
  let result: ScaffoldResult;
  try {
    result = await scaffoldPlugin(
      {
        name,
        directory: values.dir ?? `acai-plugin-${name}`,
        hostVersion: HOST_VERSION,
        ...(sdk !== undefined ? { sdk } : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
      },
      io.cwd,
    );
  } catch (error) {
    if (ScaffoldError.isInstance(error)) throw new CliError(error.message, { exitCode: error.isUsage ? 2 : 1, cause: error });
    throw error;
  }
  const style = createStyle(io);
  const folder = displayPath(result.directory, io.cwd);
  io.stdout.write(
    [
      `${style.green('Created')} ${result.packageName} in ${folder}`,
      ...result.files.map((file) => `  ${file}`),
      `SDK: ${result.sdkDependency}`,
      '',
      'Next:',
      `  cd ${folder}`,
      '  npm install && npm test && npm run build',
      `  acai plugin validate . && acai plugin test .`,
      `  npm pack && acai plugin add ./${result.packageName}-0.1.0.tgz`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** The folder of the @acai/plugin-sdk this CLI runs with, when it is a checkout (not inside node_modules). */
async function localSdkFolder(): Promise<string | undefined> {
  try {
    const folder = await realpath(dirname(createRequire(import.meta.url).resolve('@acai/plugin-sdk/package.json')));
    return folder.split(/[\\/]/).includes('node_modules') ? undefined : folder;
  } catch {
    return undefined;
  }
}
