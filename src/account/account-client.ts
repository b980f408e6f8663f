import { providerMetadataOf, type ClientMetadata, type ClientRecord } from '../clients/client-record.ts';
import { generateClientSecret, hashClientSecret } from '../clients/client-secret.ts';

/** The account page signs people in as a first-party OIDC client of its own issuer. */
export const ACCOUNT_CLIENT_ID = 'portcullis-account';

export const accountCallbackUrl = (issuer: string): string => `${issuer}/account/callback`;
export const accountSignedOutUrl = (issuer: string): string => `${issuer}/account/signed-out`;

/**
 * A client that may ask only for `openid`, with PKCE. The account page reads nothing through
 * tokens: it consumes the authorization code in-process and keeps its own session. So no one may
 * redeem its codes at the token endpoint: it authenticates with a secret that nobody knows (a
 * random one, thrown away once hashed), and a code that leaked from a browser is worth nothing.
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
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'openid',
  };
  const since = new Date(0);
  const secretHash = hashClientSecret(generateClientSecret());
  return { metadata, secretHash, secretLastUsedAt: undefined, previousSecret: undefined, createdAt: since, tokensValidFrom: since, providerMetadata: providerMetadataOf(metadata, secretHash) };
}

export const isFirstPartyClient = (clientId: unknown): boolean => clientId === ACCOUNT_CLIENT_ID;
