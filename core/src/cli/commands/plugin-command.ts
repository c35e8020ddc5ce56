import { usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';

export const PLUGIN_HELP = `Usage: acai plugin <subcommand> [options]

Subcommands:
  create <name>                 scaffold a new plugin package on @acai/plugin-sdk
  add <name[@range]|path|tarball>
                                install a plugin (from the registry, with its dependencies, into
                                ./acai-plugins) and add it to plugins.config.json after the host's checks
  upgrade <name> [<tarball>]    install and switch to a newer (or --to another) release; refuses
                                one that breaks tool schemas without a major version bump
  remove <name>                 take a plugin out of plugins.config.json and uninstall it
  enable <name>                 enable a configured plugin (--override: on the running host, every replica)
  disable <name>                disable a configured plugin (kept in the file; --override: on the running host)
  clear-override <name>         let plugins.config.json decide again on a running host
  reset-breaker <name>          close a plugin's circuit breaker on a running host
  reload                        make a running host re-read plugins.config.json now
  list                          configured plugins: version, compatibility, state, tools (and overrides with --url)
  validate <path>               run every load-time check of the host on a plugin folder or tarball
                                (--against <name>@<range>|<tarball>: the breaking-change check)
  test <path>                   conformance run through the host's call path (pass/fail report)
  keygen --out <path>           create an Ed25519 key pair for signing packages
  sign [<folder>] --key <path>  sign a package (writes acai-signature.json)
  verify [<folder|tarball>]     check a package's signature and whether its key is trusted
  trust add|list|remove         manage the trust store of signers' public keys

Run \`acai plugin <subcommand> --help\` for its options and examples.

Examples:
  acai plugin create stock-quotes
  acai plugin validate ./acai-plugin-stock-quotes && acai plugin test ./acai-plugin-stock-quotes
  acai plugin add ./acai-plugin-stock-quotes-0.1.0.tgz
  acai plugin add acai-plugin-stock-quotes@^1.0.0 && acai plugin upgrade stock-quotes
  acai plugin validate . --against acai-plugin-stock-quotes@latest
  acai plugin disable stock-quotes --url http://127.0.0.1:8080
  acai plugin disable weather --override --url https://acai.example.com
`;

type Subcommand = (args: readonly string[], io: CliIo) => Promise<number>;

// Loaded on use: `create` must not pay for the host's loader, `list` not for the scaffold.
const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  create: async (args, io) => (await import('./plugin/plugin-create.js')).runPluginCreate(args, io),
  add: async (args, io) => (await import('./plugin/plugin-add.js')).runPluginAdd(args, io),
  upgrade: async (args, io) => (await import('./plugin/plugin-upgrade.js')).runPluginUpgrade(args, io),
  remove: async (args, io) => (await import('./plugin/plugin-remove.js')).runPluginRemove(args, io),
  keygen: async (args, io) => (await import('./plugin/plugin-keygen.js')).runPluginKeygen(args, io),
  sign: async (args, io) => (await import('./plugin/plugin-sign.js')).runPluginSign(args, io),
  verify: async (args, io) => (await import('./plugin/plugin-verify.js')).runPluginVerify(args, io),
  trust: async (args, io) => (await import('./plugin/plugin-trust.js')).runPluginTrust(args, io),
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
