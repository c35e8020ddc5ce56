import { createInterface } from 'node:readline';
import { describePermissionSet, isEmptyPermissionSet, type PermissionSet } from '../plugin-host/index.js';
import { CliError } from './cli-error.js';
import type { CliIo, Style } from './cli-io.js';
import type { PluginIdentity } from './plugin-checks/identify-plugin.js';

/**
 * The permissions to write as a new entry's grant, after the operator saw them, like installing an app on
 * a phone: nothing to ask when the plugin asks for nothing or is first-party (granted what it asks for);
 * otherwise `--yes`, or a "y" typed at the prompt (read from stdin). Anything else refuses the add.
 */
export async function askToGrant(identity: PluginIdentity, options: { readonly isPreApproved: boolean; readonly io: CliIo; readonly style: Style }): Promise<PermissionSet | undefined> {
  const { io, style } = options;
  const request = identity.request;
  if (isEmptyPermissionSet(request)) return undefined;
  const lines = describePermissionSet(request).map((line) => `  - ${line}\n`);
  io.stdout.write(`${style.bold(identity.name)} asks for:\n${lines.join('')}`);
  if (identity.isFirstParty) {
    io.stdout.write(style.dim('It is first-party (shipped with this host): granted what it asks for.') + '\n');
    return undefined;
  }
  if (options.isPreApproved) {
    io.stdout.write(`Granted (--yes).\n`);
    return request;
  }
  io.stdout.write(`Grant ${identity.name} these permissions? [y/N] `);
  const answer = await readAnswer(io);
  if (answer === undefined) {
    throw new CliError(`not added: ${identity.name} asks for permissions and no answer came on stdin. Run it in a terminal to answer, or pass --yes to grant them.`);
  }
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(`not added: the permissions were not granted`);
  return request;
}

/** One line from stdin; undefined when it ends first. */
async function readAnswer(io: CliIo): Promise<string | undefined> {
  const lines = createInterface({ input: io.stdin, terminal: false, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return undefined;
  } finally {
    lines.close();
  }
}
