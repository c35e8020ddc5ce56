// Process entry of `create-acai-plugin` (bin/create-acai-plugin.js imports the built copy of this file).
// A command-line entry may read process.env; it hands a copy to the command.
import { runCreate } from './run-create.js';

process.exitCode = await runCreate(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: { ...process.env } });
