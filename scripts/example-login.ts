// One sign-in through the authorization code flow with PKCE, as an app does it: listens on the
// redirect URI, prints the authorization URL for a person to open, receives the code, exchanges
// it and prints the tokens, the ID token's claims and userinfo. Usage (server running, user and
// client created with redirect URI http://127.0.0.1:8080/callback):
//   CLIENT_ID=… CLIENT_SECRET=… npm run --silent example:login
// Optional environment: ISSUER (default http://localhost:3000), SCOPE (default
// "openid email offline_access"), RESOURCE (an API's identifier, RFC 8707), PORT (of the
// callback listener, default 8080). Without CLIENT_SECRET the client is a public one.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as oidc from 'openid-client';

const { CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, RESOURCE: resource } = process.env;
const issuer = new URL(process.env.ISSUER ?? 'http://localhost:3000');
const scope = process.env.SCOPE ?? 'openid email offline_access';
const port = Number(process.env.PORT ?? 8080);
const redirectUri = `http://127.0.0.1:${port}/callback`;
if (!clientId || !Number.isInteger(port)) {
  process.stderr.write(
    'usage: CLIENT_ID=… [CLIENT_SECRET=…] [ISSUER=…] [SCOPE=…] [RESOURCE=…] [PORT=8080] npm run --silent example:login\n',
  );
  process.exit(2);
}
const fail = (message: string): never => {
  process.stderr.write(`example-login: ${message}\n`);
  process.exit(1);
};

const config = await oidc
  .discovery(issuer, clientId, undefined, clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None(), {
    execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
  })
  .catch((error: Error) => fail(`cannot read ${issuer.origin}'s discovery document (is the server running?): ${error.message}`));

const verifier = oidc.randomPKCECodeVerifier();
const state = oidc.randomState();
const nonce = oidc.randomNonce();
const authorizationUrl = oidc.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope,
  code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
  ...(scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
  ...(resource ? { resource } : {}),
});

/** Resolves with the first request to the callback path; answers everything else 404. */
function firstCallback(): Promise<{ url: URL; respond: (html: string) => Promise<void> }> {
  return new Promise((resolve) => {
    const listener = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      resolve({
        url,
        respond: (html) =>
          new Promise((done) => {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
            res.end(`<!doctype html><title>example:login</title><p>${html}</p>`, () => listener.close(() => done()));
          }),
      });
    });
    listener.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'EADDRINUSE' ? `port ${port} is in use: set PORT to a free one (and register its redirect URI)` : error.message),
    );
    listener.listen(port, '127.0.0.1');
    void once(listener, 'listening').then(() => {
      process.stderr.write(
        `Listening on ${redirectUri} (the client must have exactly this redirect URI). Open this address in a browser and sign in:\n\n`,
      );
      process.stdout.write(`${authorizationUrl.href}\n\n`);
    });
  });
}

/** Why the callback cannot be used, or undefined: the state and the issuer (RFC 9207) must be the ones expected. */
function refusal(params: URLSearchParams): string | undefined {
  if (params.get('state') !== state) return 'the callback carries another state than the one sent: a stale or forged redirect, ignored';
  if (params.get('iss') !== config.serverMetadata().issuer)
    return `the callback comes from issuer ${params.get('iss')}, not ${config.serverMetadata().issuer}`;
  const error = params.get('error');
  if (error) return `the server answered ${error}${params.has('error_description') ? `: ${params.get('error_description')}` : ''}`;
  return undefined;
}

const explain = (error: unknown): string => {
  const { error: code, error_description: description, cause } = error as { error?: string; error_description?: string; cause?: unknown };
  if (code) return `the token endpoint answered ${code}${description ? `: ${description}` : ''}`;
  return `${(error as Error).message}${cause instanceof Error ? ` (${cause.message})` : ''}`;
};

const callback = await firstCallback();
const refused = refusal(callback.url.searchParams);
if (refused) {
  await callback.respond('Sign-in failed: see the terminal.');
  fail(refused);
}
try {
  const tokens = await oidc.authorizationCodeGrant(config, callback.url, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: scope.split(' ').includes('openid'),
  });
  const claims = tokens.claims();
  const userinfo = claims ? await oidc.fetchUserInfo(config, tokens.access_token, claims.sub) : undefined;
  await callback.respond('Signed in: the tokens are in the terminal. You can close this tab.');
  const { access_token, id_token, refresh_token, token_type, expires_in, scope: granted } = tokens;
  const output = {
    tokens: { access_token, id_token, refresh_token, token_type, expires_in, scope: granted },
    id_token_claims: claims,
    userinfo,
  };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`, () => process.exit(0));
} catch (error) {
  await callback.respond('Sign-in failed: see the terminal.');
  fail(explain(error));
}
