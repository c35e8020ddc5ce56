// The host under test for bench:capacity, in its own process: the built host (core/dist, as `npm start`
// runs it) started with startHost and configured entirely by the environment the driver passes, plus the
// measurement probe. BENCH_HOST_ROOT names the checkout whose build runs (another one, e.g. main, for
// "before" figures). Plain JavaScript run by node itself: no TypeScript loader thread in the measured
// RSS, and no source maps making error stacks dearer than in production.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { announceListening, installProcessProbe } from './process-probe.mjs';

installProcessProbe();
const hostRoot = process.env.BENCH_HOST_ROOT || fileURLToPath(new URL('../../', import.meta.url));
const { startHost } = await import(pathToFileURL(join(hostRoot, 'core/dist/main.js')).href);
const host = await startHost({ port: 0, host: '127.0.0.1' });
announceListening(Number(new URL(host.url).port));
