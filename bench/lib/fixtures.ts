/** The resource (RFC 8707), user and redirect URI every authorization server under test knows. */
export const BENCH_RESOURCE = 'https://api.bench.example';
export const BENCH_SCOPE = 'api:read';
export const BENCH_REDIRECT_URI = 'http://127.0.0.1:9/cb';
export const BENCH_EMAIL = 'user@bench.example';
export const BENCH_PASSWORD = 'correct horse battery staple';
/** An ID token, userinfo claims and a refresh token. */
export const BENCH_USER_SCOPE = 'openid email profile offline_access';
