import { createHash } from 'node:crypto';

/** Longest token accepted: tokens we make are far shorter, so anything longer is not one of ours. */
const MAX_TOKEN_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** The field that names the token's owner; callers' own fields must not use it. */
const OWNER_FIELD = 'o';

/** Who a token was minted for, as {@link decodeOpaqueToken} found it. */
export type OpaqueTokenOwner =
  /** Minted for the owner that presents it. */
  | 'same'
  /** Minted for someone else (another tenant): the token is not the presenter's to continue. */
  | 'other'
  /** Minted without an owner: a kind that has none, or a token made before tokens named one. */
  | 'none';

/** The fields inside a token and whose it is. */
export interface DecodedOpaqueToken {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly owner: OpaqueTokenOwner;
}

/**
 * The one way the host mints opaque tokens (page tokens of every listing): base64url of a small JSON
 * object, opaque to clients. With `owner` (a tenant id) the token carries a short fingerprint of it —
 * never the id itself — so a token presented by another tenant is recognised and refused with a clear
 * message. The fingerprint is not a signature: a client can edit a token, so what a token holds is only
 * ever a position inside the presenter's own data, which the store scopes by the presenter's tenant.
 */
export function encodeOpaqueToken(fields: Readonly<Record<string, string | number>>, owner?: string): string {
  const content = owner === undefined ? fields : { ...fields, [OWNER_FIELD]: ownerFingerprint(owner) };
  return Buffer.from(JSON.stringify(content), 'utf8').toString('base64url');
}

/**
 * What is inside a token made by {@link encodeOpaqueToken}, or undefined for anything else (too long,
 * not base64url, not JSON, not an object, an owner field that is not a fingerprint). Callers check the
 * fields and the owner and report their own error, naming their own argument.
 */
export function decodeOpaqueToken(token: string, owner?: string): DecodedOpaqueToken | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !BASE64URL.test(token)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { [OWNER_FIELD]: fingerprint, ...fields } = parsed as Record<string, unknown>;
  if (fingerprint === undefined) return { fields, owner: 'none' };
  if (typeof fingerprint !== 'string') return undefined;
  return { fields, owner: owner !== undefined && fingerprint === ownerFingerprint(owner) ? 'same' : 'other' };
}

/**
 * 64 bits of a domain-separated SHA-256 of the owner: enough to tell tenants apart in a token, short
 * enough to keep tokens small, and not the tenant id itself (tokens end up in URLs, shells and logs).
 */
function ownerFingerprint(owner: string): string {
  return createHash('sha256').update('acai opaque token owner\0').update(owner, 'utf8').digest('base64url').slice(0, 11);
}
