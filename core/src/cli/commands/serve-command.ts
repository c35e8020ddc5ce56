import { usageError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { parseCommandArgs } from '../parse-command-args.js';

export const SERVE_HELP = `Usage: acai serve [options]

Start the Acai host (the same as \`npm start\`). Without MongoDB, Redis or an OpenAI key it runs
on embedded defaults. It stops cleanly on SIGINT/SIGTERM.

Options:
  --port <n>           port to listen on (env PORT, default 8080)
  --host <address>     address to bind (env HOST, default 127.0.0.1)
  --config <path>      plugins.config.json to load (env PLUGINS_CONFIG, default ./plugins.config.json)
  --log-level <level>  trace | debug | info | warn | error | fatal (env LOG_LEVEL, default info)

Examples:
  acai serve
  acai serve --port 9000 --config ./my-plugins.json --log-level debug
  OPENAI_API_KEY=sk-… MONGODB_URL=mongodb://localhost:27017 acai serve --host 0.0.0.0
`;

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** What `acai serve` passes to the host's start function (core/src/main.ts). */
export interface ServeOptions {
  port?: number;
  host?: string;
  pluginsConfigPath?: string;
  logLevel?: string;
}

type StartHost = (options?: ServeOptions) => Promise<unknown>;

export async function runServeCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', args, {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError(`unexpected argument "${positionals[0]}"`, 'serve');
  const options: ServeOptions = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be 0–65535, got "${values.port}"`, 'serve');
    options.port = port;
  }
  if (values.host !== undefined) options.host = values.host;
  if (values.config !== undefined) options.pluginsConfigPath = values.config;
  if (values['log-level'] !== undefined) {
    if (!LOG_LEVELS.has(values['log-level'])) {
      throw usageError(`--log-level must be one of ${[...LOG_LEVELS].join(', ')}`, 'serve');
    }
    options.logLevel = values['log-level'];
  }
  // Imported lazily so the other commands never load the whole host.
  const hostModulePath = '../../main.js';
  const { startHost } = (await import(hostModulePath)) as { startHost: StartHost };
  await startHost(options);
  // The host owns the process from here (it shuts down on SIGINT/SIGTERM); never resolve, so the
  // entry does not exit. A pending promise does not keep the event loop alive on its own.
  return new Promise<number>(() => undefined);
}
