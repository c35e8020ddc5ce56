/** `T` with every property optional, object by object (arrays stay whole values). */
export type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/**
 * Fills what `overrides` leaves unset from `defaults`, recursing into nested objects: a value the
 * overrides set wins, an unset (`undefined`) one falls back. The result has exactly the keys of `defaults`.
 */
export function mergeDefaults<T extends object>(defaults: T, overrides: DeepPartial<T> | undefined): T {
  const merged: Record<string, unknown> = {};
  const own: Readonly<Record<string, unknown>> = overrides ?? {};
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = own[key];
    merged[key] = isPlainObject(fallback) ? mergeDefaults(fallback, isPlainObject(value) ? value : undefined) : (value ?? fallback);
  }
  return merged as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
