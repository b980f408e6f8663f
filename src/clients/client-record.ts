import { OIDC_SCOPES, scopeList } from '../oidc/scopes.ts';

export type ClientMetadata = Record<string, unknown> & { client_id: string; client_secret?: string };

/** A registered client as stored: metadata (never a secret), the secret's hash, when it was registered. */
export interface ClientRecord {
  readonly metadata: ClientMetadata;
  readonly secretHash: string | undefined;
  readonly createdAt: Date;
  /** What oidc-provider is given: see `providerMetadataOf`. */
  readonly providerMetadata: Record<string, unknown>;
}

/**
 * What oidc-provider is given. Not `scope`: the provider knows only the OpenID Connect scopes and
 * would refuse API scopes there, and it answers a disallowed scope with an error where Portcullis
 * grants fewer scopes instead (RFC 6749 section 3.3). `scope` and `audience` are enforced by
 * Portcullis: interactions narrow user requests, resource-server-info.ts gates every token for an
 * API and every client-credentials request. The stored secret hash stands in for
 * `client_secret`, and oidc/client-secrets.ts teaches the provider to compare hashes.
 */
export function providerMetadataOf(metadata: ClientMetadata, secretHash: string | undefined): Record<string, unknown> {
  const { scope: _enforcedByPortcullis, client_secret: _plain, ...rest } = metadata;
  return { ...rest, ...(secretHash ? { client_secret: secretHash } : {}) };
}

export const toClientRecord = (row: { metadata: unknown; secretHash: string | null; createdAt: Date }): ClientRecord => {
  const metadata = row.metadata as ClientMetadata;
  const secretHash = row.secretHash ?? undefined;
  return { metadata, secretHash, createdAt: row.createdAt, providerMetadata: providerMetadataOf(metadata, secretHash) };
};

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
