import { OIDC_SCOPES, scopeList } from '../oidc/scopes.ts';
import { clientSecretMatches } from './client-secret.ts';

export type ClientMetadata = Record<string, unknown> & { client_id: string; client_secret?: string };

/** A registered client as stored: metadata (never a secret), the secret's hash, when it was registered. */
export interface ClientRecord {
  readonly metadata: ClientMetadata;
  readonly secretHash: string | undefined;
  readonly secretLastUsedAt: Date | undefined;
  /** The secret before the last rotation, while it is still accepted. */
  readonly previousSecret: { readonly hash: string; readonly expiresAt: Date; readonly lastUsedAt: Date | undefined } | undefined;
  readonly createdAt: Date;
  /** Tokens issued to the client before this instant are refused by the admin API and JWT introspection. */
  readonly tokensValidFrom: Date;
  /** What oidc-provider is given: see `providerMetadataOf`. */
  readonly providerMetadata: Record<string, unknown>;
}

/**
 * What oidc-provider is given. Not `admin` (resource-server-info.ts lets only admin clients get
 * tokens for the admin API), and not `scope`: the provider knows only the OpenID Connect scopes and
 * would refuse API scopes there, and it answers a disallowed scope with an error where Portcullis
 * grants fewer scopes instead (RFC 6749 section 3.3). `scope` and `audience` are enforced by
 * Portcullis: interactions narrow user requests, resource-server-info.ts gates every token for an
 * API and every client-credentials request. The stored secret hash stands in for
 * `client_secret`, and oidc/client-secrets.ts teaches the provider to compare hashes.
 */
export function providerMetadataOf(metadata: ClientMetadata, secretHash: string | undefined): Record<string, unknown> {
  const { scope: _enforcedByPortcullis, admin: _alsoByPortcullis, client_secret: _plain, ...rest } = metadata;
  return { ...rest, ...(secretHash ? { client_secret: secretHash } : {}) };
}

interface ClientRow {
  metadata: unknown;
  secretHash: string | null;
  secretLastUsedAt: Date | null;
  previousSecretHash: string | null;
  previousSecretExpiresAt: Date | null;
  previousSecretLastUsedAt: Date | null;
  credentialsRevokedAt: Date | null;
  createdAt: Date;
}

export const toClientRecord = (row: ClientRow): ClientRecord => {
  const metadata = row.metadata as ClientMetadata;
  const secretHash = row.secretHash ?? undefined;
  const previousSecret =
    row.previousSecretHash && row.previousSecretExpiresAt
      ? { hash: row.previousSecretHash, expiresAt: row.previousSecretExpiresAt, lastUsedAt: row.previousSecretLastUsedAt ?? undefined }
      : undefined;
  const tokensValidFrom = row.credentialsRevokedAt && row.credentialsRevokedAt > row.createdAt ? row.credentialsRevokedAt : row.createdAt;
  return { metadata, secretHash, secretLastUsedAt: row.secretLastUsedAt ?? undefined, previousSecret, createdAt: row.createdAt, tokensValidFrom, providerMetadata: providerMetadataOf(metadata, secretHash) };
};

/** Which of the client's secrets `presented` is: the current one, the previous one while it is accepted, or neither. */
export function matchingSecret(record: ClientRecord, presented: string, now = Date.now()): 'current' | 'previous' | undefined {
  if (record.secretHash && clientSecretMatches(presented, record.secretHash)) return 'current';
  const previous = record.previousSecret;
  if (previous && previous.expiresAt.getTime() > now && clientSecretMatches(presented, previous.hash)) return 'previous';
  return undefined;
}

/** What an admin sees of a client's secrets: never a hash, only when each was last used. */
export function secretStatusOf(record: ClientRecord) {
  if (!record.secretHash) return null;
  const previous = record.previousSecret && record.previousSecret.expiresAt.getTime() > Date.now() ? record.previousSecret : undefined;
  return {
    last_used_at: record.secretLastUsedAt?.toISOString() ?? null,
    previous: previous ? { expires_at: previous.expiresAt.toISOString(), last_used_at: previous.lastUsedAt?.toISOString() ?? null } : null,
  };
}

/** Every scope the client may be granted: its `scope` metadata, or only the OpenID scopes without it. */
export const allowedScopesOf = (metadata: Record<string, unknown>): ReadonlySet<string> =>
  new Set(metadata.scope === undefined ? OIDC_SCOPES : scopeList(metadata.scope));

/**
 * A requested `scope` limited to what the client may be granted: a user flow may grant fewer scopes
 * than asked (RFC 6749 section 3.3), never one outside the client's `scope`. Undefined when nothing
 * is taken away; otherwise the narrowed scope (undefined inside when none is left).
 */
export function narrowScope(requested: unknown, allowed: ReadonlySet<string>): { scope: string | undefined } | undefined {
  const scopes = scopeList(requested);
  const kept = scopes.filter((scope) => allowed.has(scope));
  if (kept.length === scopes.length) return undefined;
  return { scope: kept.length > 0 ? kept.join(' ') : undefined };
}

/** The APIs (resource identifiers) the client may get tokens for: none without `audience`. */
export const audienceOf = (metadata: Record<string, unknown>): readonly string[] =>
  Array.isArray(metadata.audience) ? (metadata.audience as string[]) : [];
