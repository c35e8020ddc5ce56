#!/usr/bin/env node
// Writes cli/npm-shrinkwrap.json before `npm pack`/`npm publish` (prepack), and removes it after
// (postpack, with --remove). The shrinkwrap pins the whole dependency tree of @acai/cli to the
// versions in the repository's package-lock.json — the ones the suite tested, on the Node.js
// versions it supports (the lockfile's overrides included) — so `npx @acai/cli` and a global install
// get exactly those instead of whatever the ranges resolve to on the day.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lockfileClosure } from './lockfile-closure.mjs';

const cliFolder = fileURLToPath(new URL('../', import.meta.url));
const target = `${cliFolder}npm-shrinkwrap.json`;
if (process.argv.includes('--remove')) {
  rmSync(target, { force: true });
  process.exit(0);
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const lockfile = JSON.parse(readFileSync(`${repoRoot}package-lock.json`, 'utf8'));
const cli = JSON.parse(readFileSync(`${cliFolder}package.json`, 'utf8'));

/** Workspace folders in the repository → where they sit in an installed @acai/cli tree. */
const WORKSPACES = new Map();
for (const [path, entry] of Object.entries(lockfile.packages)) {
  if (entry.link === true && typeof entry.resolved === 'string') WORKSPACES.set(entry.resolved, path);
}

/** A repository path as an installed path: `core/node_modules/x` → `node_modules/@acai/core/node_modules/x`. */
function installedPath(path) {
  for (const [folder, linkPath] of WORKSPACES) {
    if (path === folder) return linkPath;
    if (path.startsWith(`${folder}/`)) return `${linkPath}${path.slice(folder.length)}`;
  }
  return path;
}

/**
 * The public registry's archive URL of a package. npm replaces the registry.npmjs.org host with the
 * registry it is configured for (replace-registry-host), so the same file installs from a mirror, and
 * with the URL known npm fetches each archive directly instead of looking up every package first.
 */
function resolvedUrl(name, version) {
  return `https://registry.npmjs.org/${name}/-/${name.replace(/^@[^/]+\//, '')}-${version}.tgz`;
}

const KEPT_FIELDS = ['version', 'integrity', 'license', 'dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'libc', 'hasInstallScript', 'optional'];
const packages = {
  '': { name: cli.name, version: cli.version, license: cli.license, dependencies: cli.dependencies, bin: cli.bin, engines: cli.engines },
};
for (const path of lockfileClosure(lockfile, ['core'])) {
  const entry = lockfile.packages[path];
  const copy = {};
  for (const field of KEPT_FIELDS) if (entry[field] !== undefined) copy[field] = entry[field];
  const target = installedPath(path);
  if (WORKSPACES.has(path)) copy.version = JSON.parse(readFileSync(`${repoRoot}${path}/package.json`, 'utf8')).version;
  const name = target.slice(target.lastIndexOf('node_modules/') + 'node_modules/'.length);
  packages[target] = { version: copy.version, resolved: resolvedUrl(name, copy.version), ...copy };
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([left], [right]) => (left === '' ? -1 : right === '' ? 1 : left < right ? -1 : 1)));
writeFileSync(target, `${JSON.stringify({ name: cli.name, version: cli.version, lockfileVersion: 3, requires: true, packages: sorted }, null, 2)}\n`);
