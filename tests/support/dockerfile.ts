/**
 * Static readers for deploy/Dockerfile and .dockerignore, for tests on a machine without a Docker engine.
 * They follow Docker's documented rules closely enough for the files we write; they are not a builder.
 */

/** One Dockerfile instruction with its arguments, continuation lines joined. */
export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
}

/** A build stage: `FROM <image> [AS <name>]` and the instructions after it. */
export interface DockerStage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly DockerInstruction[];
}

export function parseDockerfile(text: string): DockerStage[] {
  const logicalLines: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    // Comment lines (parser directives included) are dropped, inside a continued instruction too.
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += `${continued ? line.replace(/\\\s*$/, '') : line} `;
    if (!continued) {
      if (pending.trim() !== '') logicalLines.push(pending.trim());
      pending = '';
    }
  }
  const stages: Array<{ from: string; name: string | undefined; instructions: DockerInstruction[] }> = [];
  for (const line of logicalLines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** `ENV a=b c=d` (and the legacy `ENV a b`) as a map. */
export function envOf(stage: DockerStage): Map<string, string> {
  const env = new Map<string, string>();
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name, ...value] = args.split(/\s+/);
      env.set(name!, value.join(' '));
      continue;
    }
    for (const [, name, quoted, plain] of args.matchAll(/(\w+)=(?:"([^"]*)"|(\S*))/g)) env.set(name!, quoted ?? plain ?? '');
  }
  return env;
}

/** A JSON-array (`["/data"]`) or plain (`/data /x`) instruction argument as a list. */
export function argumentList(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
}

interface IgnoreRule {
  readonly pattern: RegExp;
  readonly include: boolean;
}

/** Docker's pattern syntax: `*` and `?` stay within one path segment, `**` spans any number of them. */
function patternToRegExp(pattern: string): RegExp {
  const cleaned = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let index = 0; index < cleaned.length; index += 1) {
    const char = cleaned[index]!;
    if (char === '*' && cleaned[index + 1] === '*') {
      const followedBySlash = cleaned[index + 2] === '/';
      source += followedBySlash ? '(?:.*/)?' : '.*';
      index += followedBySlash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * A .dockerignore as a predicate over context-relative paths, with Docker's rule: every pattern is tried
 * against the path and each directory above it, and the last pattern that matches decides (`!` re-includes).
 */
export function dockerIgnore(text: string): (path: string) => boolean {
  const rules: IgnoreRule[] = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.startsWith('!') ? { pattern: patternToRegExp(line.slice(1)), include: true } : { pattern: patternToRegExp(line), include: false }));
  return (path) => {
    const segments = path.split('/');
    const pathAndParents = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let excluded = false;
    for (const rule of rules) {
      if (pathAndParents.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.include;
    }
    return excluded;
  };
}
