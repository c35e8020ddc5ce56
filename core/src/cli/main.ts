#!/usr/bin/env node
// Process entry of the `acai` command (bin/acai.js imports the built copy of this file).
// The CLI entry is allowed to read process.env; it hands a copy to the commands.
import { runCli } from './run-cli.js';

const exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: { ...process.env },
  cwd: process.cwd(),
});
// Long-running commands (serve, telegram) never resolve; every other command ends here, and
// open handles (readline, keep-alive sockets) must not keep the process alive.
process.stdout.write('', () => process.exit(exitCode));
