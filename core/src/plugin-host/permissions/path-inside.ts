import { sep } from 'node:path';

/** True when `path` is `parent` or lies below it (both absolute and normalised). */
export function isInside(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent.endsWith(sep) ? parent : `${parent}${sep}`);
}
