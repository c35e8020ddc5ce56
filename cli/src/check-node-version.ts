/** The oldest Node.js the host and its CLI run on (`engines.node` of every Acai package). */
export const MINIMUM_NODE_VERSION = '20.19.0';

/**
 * Why this Node.js cannot run acai, or undefined when it can. npm only warns about `engines`, so a
 * global install on an old Node would otherwise fail later with a syntax or import error.
 */
export function nodeVersionProblem(version: string, minimum: string = MINIMUM_NODE_VERSION): string | undefined {
  const parse = (text: string) => text.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10));
  const [major = 0, minor = 0, patch = 0] = parse(version);
  const [wantedMajor = 0, wantedMinor = 0, wantedPatch = 0] = parse(minimum);
  const isOlder = major !== wantedMajor ? major < wantedMajor : minor !== wantedMinor ? minor < wantedMinor : patch < wantedPatch;
  if (!isOlder && ![major, minor, patch].some(Number.isNaN)) return undefined;
  return `acai needs Node.js ${minimum} or newer; this is ${version}. Install a current Node.js (https://nodejs.org) and run it again.`;
}
