import { usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';

export const PLUGIN_HELP = `Usage: acai plugin <subcommand> [options]

Subcommands:
  create <name>                 scaffold a new plugin package on @acai/plugin-sdk
  add <name|path|tarball>       add a plugin to plugins.config.json (after the host's load checks)
  enable <name>                 enable a configured plugin (--override: on the running host, every replica)
  disable <name>                disable a configured plugin (kept in the file; --override: on the running host)
  clear-override <name>         let plugins.config.json decide again on a running host
  reset-breaker <name>          close a plugin's circuit breaker on a running host
  reload                        make a running host re-read plugins.config.json now
  list                          configured plugins: version, compatibility, state, tools (and overrides with --url)
  validate <path>               run every load-time check of the host on a plugin folder or tarball
  test <path>                   conformance run through the host's call path (pass/fail report)

Run \`acai plugin <subcommand> --help\` for its options and examples.

Examples:
  acai plugin create stock-quotes
  acai plugin validate ./acai-plugin-stock-quotes && acai plugin test ./acai-plugin-stock-quotes
  acai plugin add ./acai-plugin-stock-quotes-0.1.0.tgz
  acai plugin disable stock-quotes --url http://127.0.0.1:8080
  acai plugin disable weather --override --url https://acai.example.com
`;

type Subcommand = (args: readonly string[], io: CliIo) => Promise<number>;

// Loaded on use: `create` must not pay for the host's loader, `list` not for the scaffold.
const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  create: async (args, io) => (await import('./plugin/plugin-create.js')).runPluginCreate(args, io),
  add: async (args, io) => (await import('./plugin/plugin-add.js')).runPluginAdd(args, io),
  enable: async (args, io) => (await import('./plugin/plugin-set-enabled.js')).runPluginSetEnabled('enable', args, io),
  disable: async (args, io) => (await import('./plugin/plugin-set-enabled.js')).runPluginSetEnabled('disable', args, io),
  'clear-override': async (args, io) => (await import('./plugin/plugin-host-action.js')).runPluginHostAction('clear-override', args, io),
  'reset-breaker': async (args, io) => (await import('./plugin/plugin-host-action.js')).runPluginHostAction('reset-breaker', args, io),
  reload: async (args, io) => (await import('./plugin/plugin-host-action.js')).runPluginHostAction('reload', args, io),
  list: async (args, io) => (await import('./plugin/plugin-list.js')).runPluginList(args, io),
  validate: async (args, io) => (await import('./plugin/plugin-validate.js')).runPluginValidate(args, io),
  test: async (args, io) => (await import('./plugin/plugin-test.js')).runPluginTest(args, io),
};

export async function runPluginCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    io.stdout.write(PLUGIN_HELP);
    return subcommand === undefined ? 2 : 0;
  }
  const run = Object.hasOwn(SUBCOMMANDS, subcommand) ? SUBCOMMANDS[subcommand] : undefined;
  if (run === undefined) throw usageError(`unknown subcommand "${subcommand}"`, 'plugin');
  return run(rest, io);
}
