// The `acai` command of @acai/cli: checks the Node.js version, then runs the CLI of @acai/core,
// where every command lives (this package only gives it its name on npm; see docs/releasing.md).
import { nodeVersionProblem } from './check-node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem === undefined) {
  await import('@acai/core/cli');
} else {
  process.stderr.write(`acai: ${problem}\n`);
  process.exitCode = 1;
}
