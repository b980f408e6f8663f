/** Names shared by the orchestrator and the processes it measures. */

/** The resource (RFC 8707) registered on every authorization server under test. */
export const BENCH_RESOURCE = 'https://api.bench.example';
export const BENCH_SCOPE = 'api:read';
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/cb';
export const BENCH_EMAIL = 'user@bench.example';
export const BENCH_PASSWORD = 'correct horse battery staple';
/** What a user login asks for: an ID token, userinfo claims and a refresh token. */
export const BENCH_USER_SCOPE = 'openid email profile offline_access';

/** Asks the bare oidc-provider baseline to mint user tokens in-process. */
export interface MintRequest {
  readonly kind: 'refresh' | 'access';
  readonly count: number;
}

export type MintReply =
  | { readonly type: 'minted'; readonly tokens: string[] }
  | { readonly type: 'mint-error'; readonly message: string }
  | { readonly type: 'ready'; readonly origin: string };
