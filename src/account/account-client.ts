import { providerMetadataOf, type ClientMetadata, type ClientRecord } from '../clients/client-record.ts';

/** The account page signs people in as a first-party OIDC client of its own issuer. */
export const ACCOUNT_CLIENT_ID = 'portcullis-account';

export const accountCallbackUrl = (issuer: string): string => `${issuer}/account/callback`;
export const accountSignedOutUrl = (issuer: string): string => `${issuer}/account/signed-out`;

/**
 * A public client (PKCE, no secret) that may ask only for `openid`: the account page reads
 * nothing through tokens, it consumes the authorization code in-process and keeps its own session.
 */
export function accountClientRecord(issuer: string): ClientRecord {
  const metadata: ClientMetadata = {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: 'Your account',
    application_type: 'web',
    redirect_uris: [accountCallbackUrl(issuer)],
    post_logout_redirect_uris: [accountSignedOutUrl(issuer)],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid',
  };
  const since = new Date(0);
  return { metadata, secretHash: undefined, secretLastUsedAt: undefined, previousSecret: undefined, createdAt: since, tokensValidFrom: since, providerMetadata: providerMetadataOf(metadata, undefined) };
}

export const isFirstPartyClient = (clientId: unknown): boolean => clientId === ACCOUNT_CLIENT_ID;
