const BRAND = Symbol.for('acai.create-plugin.ScaffoldError');

/** Why a scaffold was refused (bad name, folder in use, wrong --sdk); `isUsage` marks a mistake in the arguments. */
export class ScaffoldError extends Error {
  readonly isUsage: boolean;
  readonly [BRAND] = true;

  constructor(message: string, options: { isUsage?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScaffoldError';
    this.isUsage = options.isUsage ?? false;
  }

  // The acai CLI may load another copy of this package than the one that threw; the brand works across copies.
  static isInstance(value: unknown): value is ScaffoldError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
