/**
 * Who did something, as the operator records store it: plain strings, so the store needs nothing of
 * auth/. `source` is how the actor was identified: `api_key`, `trusted_network`, `auth_disabled`, `cli`
 * (the acai CLI working on the host's store) or `host` (the host itself: file watcher, SIGHUP).
 */
export interface OperatorActor {
  readonly source: string;
  /** The API key's public id; absent for callers without a key. */
  readonly keyId?: string;
  readonly tenantId?: string;
  /** `cli`: the OS user and machine (`alice@build-1`). */
  readonly name?: string;
}

/** The actor without empty fields, in one field order (stores and tests compare them). */
export function normalizeActor(actor: OperatorActor): OperatorActor {
  return {
    source: actor.source,
    ...(actor.keyId ? { keyId: actor.keyId } : {}),
    ...(actor.tenantId ? { tenantId: actor.tenantId } : {}),
    ...(actor.name ? { name: actor.name } : {}),
  };
}

/** Reads an actor stored as JSON or a document; anything malformed becomes an unknown actor rather than a crash. */
export function actorFromStored(value: unknown): OperatorActor {
  if (typeof value !== 'object' || value === null) return { source: 'unknown' };
  const { source, keyId, tenantId, name } = value as Record<string, unknown>;
  return normalizeActor({
    source: typeof source === 'string' ? source : 'unknown',
    ...(typeof keyId === 'string' ? { keyId } : {}),
    ...(typeof tenantId === 'string' ? { tenantId } : {}),
    ...(typeof name === 'string' ? { name } : {}),
  });
}
