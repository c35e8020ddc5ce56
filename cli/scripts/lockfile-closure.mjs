// What installing some packages of this repository needs, read from package-lock.json: the closure of
// their dependencies (runtime, optional and required peers), resolved the way Node.js and npm nest
// node_modules. Used to write @acai/cli's npm-shrinkwrap.json (write-shrinkwrap.mjs) and to fill the
// suite's local registry (tests/registry/seed-registry.ts).

/** Node's lookup from a lockfile path: <from>/node_modules/<name>, then each enclosing node_modules up to the root. */
export function resolveFrom(lockfile, from, name) {
  for (let base = from; ; ) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lockfile.packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const index = base.lastIndexOf('/node_modules/');
    base = index >= 0 ? base.slice(0, index) : '';
  }
}

/**
 * Every lockfile path installing `roots` (lockfile paths: workspace folders or node_modules/… entries)
 * reaches, roots included, links followed to their targets. Throws when a non-optional dependency is
 * missing from the lockfile.
 */
export function lockfileClosure(lockfile, roots) {
  const visited = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const path = queue.shift();
    if (visited.has(path)) continue;
    const entry = lockfile.packages[path];
    if (entry === undefined) throw new Error(`${path} is not in package-lock.json (run npm install at the repository root)`);
    if (entry.link === true) {
      queue.push(entry.resolved);
      continue;
    }
    visited.add(path);
    const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional === true).map(([name]) => name));
    const names = [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}).filter((name) => !optionalPeers.has(name))];
    for (const name of names) {
      const resolved = resolveFrom(lockfile, path, name);
      if (resolved !== undefined) queue.push(resolved);
      else if ((entry.optionalDependencies ?? {})[name] === undefined) throw new Error(`${name} (needed by ${path}) is not in package-lock.json`);
    }
  }
  return [...visited];
}
