// The host under test for bench:capacity, in its own process: the built host (core/dist, as `npm start`
// runs it) started with startHost and configured entirely by the environment the driver passes, plus the
// measurement probe. BENCH_HOST_ROOT points at another checkout (built with `npx tsc -b`) to measure its
// host with this benchmark, e.g. main for "before" figures. tsx only loads this file; source maps are
// switched back off so error stacks cost what they cost in production.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, installProcessProbe } from './process-probe.js';

process.setSourceMapsEnabled(false);
installProcessProbe();
const hostRoot = process.env.BENCH_HOST_ROOT || fileURLToPath(new URL('../../', import.meta.url));
const { startHost } = (await import(pathToFileURL(join(hostRoot, 'core/dist/main.js')).href)) as typeof import('../../core/dist/main.js');
const host = await startHost({ port: 0, host: '127.0.0.1' });
announceListening(Number(new URL(host.url).port));
