// A local npm registry for the suite and the benchmarks: verdaccio, uplink-free (it serves only what
// is published to it, never the public registry), listening on a loopback port the OS picks.
// Usage: node serve-registry.mjs <folder>   (storage and users live in <folder>)
// Prints one JSON line {"url": "http://127.0.0.1:<port>/"} once it accepts connections; stops on SIGTERM.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import verdaccio from 'verdaccio';

const folder = process.argv[2];
if (folder === undefined) {
  process.stderr.write('usage: serve-registry.mjs <folder>\n');
  process.exit(2);
}
mkdirSync(join(folder, 'storage'), { recursive: true });
const configuration = {
  self_path: folder,
  storage: join(folder, 'storage'),
  auth: { htpasswd: { file: join(folder, 'htpasswd'), max_users: 100 } },
  // No uplinks: a package that was not published here does not exist.
  uplinks: {},
  packages: {
    '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' },
  },
  // Published tarballs of a whole host are large; npm's own limit is far above verdaccio's default.
  max_body_size: '200mb',
  log: { type: 'stdout', format: 'json', level: 'error' },
  web: { enable: false },
};
const server = await verdaccio.runServer(configuration);
// npm keeps connections open between requests; Node's 5 s default would close them under npm's feet
// ("socket hang up") whenever a busy machine leaves a connection idle a little longer.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/` })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
