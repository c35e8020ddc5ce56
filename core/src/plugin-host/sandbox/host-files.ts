import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HostError } from '../../errors/index.js';

// Files of the host itself that run inside sandboxes (the plugin worker, the network forwarder). They run
// compiled, without the TypeScript loader the tests use: the loader would have to start a process of its
// own, which a sandbox without the `processes` permission refuses. Running from source, they are taken
// from core/dist, so `npx tsc -b` must have run.

const isSourceMode = import.meta.url.endsWith('.ts');

/** core/package.json: Node reads its "type" to load the compiled files as ES modules. */
export const HOST_PACKAGE_JSON = fileURLToPath(new URL('../../../package.json', import.meta.url));

/** The compiled form of a host module given by its URL (its own URL from dist, the core/dist twin from source). */
export function compiledHostFile(moduleUrl: URL): string {
  const path = fileURLToPath(moduleUrl);
  if (!isSourceMode) return path.replace(/\.ts$/, '.js');
  return path.replace(/([\\/])core\1src\1/, '$1core$1dist$1').replace(/\.ts$/, '.js');
}

/** Fails with HOST_SANDBOX_UNAVAILABLE when a compiled host file is missing (a source checkout that was never built). */
export async function requireCompiledHostFile(path: string): Promise<string> {
  try {
    await access(path);
    return path;
  } catch (error) {
    throw new HostError('HOST_SANDBOX_UNAVAILABLE', `the sandbox runs the host's compiled ${path}, which does not exist. Build the host (npx tsc -b).`, { cause: error });
  }
}
