import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPluginsConfig } from '../../core/src/config/plugins-config.js';
import { argumentList, dockerIgnore, envOf, parseDockerfile } from '../support/dockerfile.js';

// There is no Docker engine on the CI machine, so the image is checked statically: the Dockerfile's
// instructions, what .dockerignore lets into the build context, and how compose runs the image. Building
// and running the image itself is not tested here.
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const stages = parseDockerfile(read('deploy/Dockerfile'));
const runtime = stages.at(-1)!;
const build = stages.find((stage) => stage.name === 'build')!;
const runtimeEnv = envOf(runtime);
const isIgnored = dockerIgnore(read('.dockerignore'));
const instructionsOf = (keyword: string, stage = runtime) => stage.instructions.filter((instruction) => instruction.keyword === keyword);
const trackedFiles = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('deploy/Dockerfile', () => {
  it('builds in a separate stage from the lockfile and prunes dev dependencies before the runtime stage copies the result', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const buildRuns = instructionsOf('RUN', build).map((instruction) => instruction.args);
    expect(buildRuns.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    expect(buildRuns.some((run) => /\bnpm install\b/.test(run))).toBe(false);
    expect(buildRuns.some((run) => /npm run build\b.*npm prune --omit=dev/.test(run))).toBe(true);
    // Everything the runtime stage gets comes from the build stage, never straight from the context.
    for (const { args } of instructionsOf('COPY')) expect(args, args).toMatch(/^--from=build\s/);
    // Both stages start from the same base (one ARG), so the native addon built in one runs in the other.
    expect(runtime.from).toBe(build.from);
  });

  it('runs as a non-root user that cannot write the application directory', () => {
    const users = instructionsOf('USER').map((instruction) => instruction.args);
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^(root|0)(:|$)/);
    const keywords = runtime.instructions.map((instruction) => instruction.keyword);
    expect(keywords.lastIndexOf('USER')).toBeLessThan(keywords.indexOf('CMD'));
    // No file is given to that user: COPY without --chown leaves /app owned by root.
    for (const { args } of instructionsOf('COPY')) expect(args).not.toMatch(/--chown|--chmod/);
    expect(instructionsOf('WORKDIR').at(-1)?.args).toBe('/app');
    for (const { args } of instructionsOf('RUN')) expect(args, args).not.toMatch(/chown[^&]*\/app\b|chmod[^&]*\/app\b/);
  });

  it('declares the data directory as a volume owned by that user, and an empty plugins mount point', () => {
    const user = instructionsOf('USER')[0]!.args.split(':')[0]!;
    const dataDir = runtimeEnv.get('ACAI_DATA_DIR');
    expect(dataDir).toMatch(/^\/(?!app\b)/);
    const volumes = instructionsOf('VOLUME').flatMap((instruction) => argumentList(instruction.args));
    expect(volumes).toContain(dataDir);
    const runs = instructionsOf('RUN').map((instruction) => instruction.args).join(' && ');
    expect(runs).toMatch(new RegExp(`chown ${user}(:${user})? ${dataDir}\\b`));
    expect(runs).toMatch(/mkdir -p [^&]*\/plugins\b/);
    // The ownership is set before VOLUME: Docker seeds a new volume from the image's directory.
    const keywords = runtime.instructions.map((instruction) => instruction.keyword);
    expect(runtime.instructions.findIndex((instruction) => instruction.keyword === 'RUN' && instruction.args.includes(`chown ${user}`))).toBeLessThan(keywords.indexOf('VOLUME'));
  });

  it('reads its plugin set from a config directory of its own, next to the shipped plugin packages', () => {
    const pluginsConfig = runtimeEnv.get('PLUGINS_CONFIG')!;
    expect(posix.dirname(pluginsConfig)).toBe('/app/config');
    const copies = instructionsOf('COPY').map((instruction) => instruction.args.split(/\s+/));
    const configCopy = copies.find((words) => words.at(-1) === `./${posix.relative('/app', pluginsConfig)}`);
    expect(configCopy, 'the default plugins.config.json is copied into the config directory').toBeDefined();
    // Its "package" entries resolve from node_modules above the config file's directory: /app/node_modules.
    expect(copies.some((words) => words.at(-1) === './node_modules')).toBe(true);
    expect(runtimeEnv.get('HOST')).toBe('0.0.0.0');
    expect(instructionsOf('EXPOSE').map((instruction) => instruction.args)).toContain(runtimeEnv.get('PORT'));
  });

  it('copies into the build only files that exist and that .dockerignore lets through', () => {
    for (const { args } of instructionsOf('COPY', build)) {
      const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      for (const source of words.slice(0, -1).filter((word) => word !== '.')) {
        expect(trackedFiles, source).toContain(source);
        expect(isIgnored(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local dependencies, build output, data, secrets, caches and git history out of the build context', () => {
    for (const path of [
      'node_modules/fastify/package.json',
      'core/node_modules/.bin/acai',
      'plugins/weather/node_modules/x/index.js',
      'core/dist/main.js',
      'plugin-sdk/dist/index.js',
      'core/tsconfig.tsbuildinfo',
      '.acai-data/keys.db',
      '.acai-data/conversations.sqlite',
      'core/.acai-data/tool-schemas.json',
      'keys.db',
      '.env',
      '.env.local',
      '.env.production',
      'plugins/weather/.env',
      'secrets/server.key',
      'tls/cert.pem',
      '.git/HEAD',
      '.git/config',
      '.cache/acai/ferretdb',
      'core/.cache/vite/deps.json',
      'coverage/index.html',
      'forecast-1.1.0.tgz',
      'deploy/plugins/forecast-1.1.0.tgz',
      'npm-debug.log',
      'tests/integration/edge-health.test.ts',
    ]) {
      expect(isIgnored(path), path).toBe(true);
    }
  });

  it('lets through every tracked file the build needs', () => {
    const needed = trackedFiles.filter((file) => /^(core|plugin-sdk|plugins)\//.test(file) || ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.base.json', 'plugins.config.json', 'tests/package.json'].includes(file));
    expect(needed.length).toBeGreaterThan(100);
    expect(needed.filter((file) => isIgnored(file))).toEqual([]);
  });
});

describe('docker-compose.yml runs the image with its config, plugins and data outside it', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { volumes?: string[]; ports?: string[]; environment?: Record<string, string> }>;
  };
  const mounts = new Map((compose.services.acai?.volumes ?? []).map((volume) => {
    const [source, target] = volume.split(':');
    return [target!, source!];
  }));

  it('mounts the config directory where the image reads PLUGINS_CONFIG, and a plugins directory', () => {
    const configDir = posix.dirname(runtimeEnv.get('PLUGINS_CONFIG')!);
    expect(mounts.get(configDir)).toBe('./deploy/config');
    expect(mounts.get('/plugins')).toBe('./deploy/plugins');
    expect(compose.services.acai?.environment?.PLUGINS_CONFIG).toBeUndefined();
  });

  it('ships a deploy config the host loads, naming only plugin packages the image contains', async () => {
    const config = await loadPluginsConfig(join(root, 'deploy/config/plugins.config.json'), {});
    const shipped = new Set(['datetime', 'weather', 'holidays'].map((plugin) => (JSON.parse(read(`plugins/${plugin}/package.json`)) as { name: string }).name));
    expect(config.plugins.length).toBeGreaterThan(0);
    for (const plugin of config.plugins) {
      expect(plugin.source.kind, plugin.name).toBe('package');
      if (plugin.source.kind === 'package') expect(shipped.has(plugin.source.package), plugin.source.package).toBe(true);
    }
    expect(read('deploy/plugins/README.md')).toContain('"tarball": "/plugins/');
  });

  it('publishes MongoDB and Redis on the loopback address only, for local test runs', () => {
    expect(compose.services.mongodb?.ports).toEqual(['127.0.0.1:27017:27017']);
    expect(compose.services.redis?.ports).toEqual(['127.0.0.1:6379:6379']);
  });
});
