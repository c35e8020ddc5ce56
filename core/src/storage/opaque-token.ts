import { createHash } from 'node:crypto';
import { invalidArgument, type HostError } from '../errors/index.js';

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

/** The refusal of a page token that is not one `listing` returned: HOST_INVALID_ARGUMENT on `page_token`, never echoing it. */
export function invalidPageToken(listing: string): HostError {
  return invalidArgument('page_token', `page_token is not a token returned by ${listing}; list again without page_token`);
}

/**
 * The fields of a page token `listing` returned to `owner`, for the caller to check. Refused
 * (HOST_INVALID_ARGUMENT on `page_token`, with a message that says to list again) when it is not such a
 * token or was returned to another owner. Tokens that name no owner — the previous release's — are
 * read for one release, so clients paging through a rolling upgrade (pages served by old and new
 * replicas in turn) are not broken; that is safe because a token is only a position, and every listing
 * reads the caller's own data from it whatever the token says.
 */
export function pageTokenFields(token: string, owner: string, listing: string): Readonly<Record<string, unknown>> {
  const decoded = decodeOpaqueToken(token, owner);
  if (decoded === undefined) throw invalidPageToken(listing);
  if (decoded.owner === 'other') throw invalidArgument('page_token', 'page_token was returned to another caller, not to this one; list again without page_token');
  return decoded.fields;
}

/**
 * 64 bits of a domain-separated SHA-256 of the owner: enough to tell tenants apart in a token, short
 * enough to keep tokens small, and not the tenant id itself (tokens end up in URLs, shells and logs).
 */
function ownerFingerprint(owner: string): string {
  return createHash('sha256').update('acai opaque token owner\0').update(owner, 'utf8').digest('base64url').slice(0, 11);
}
