import * as oidc from 'openid-client';
import type { TestServer } from './server.ts';
import { Browser, type Page } from './browser.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9999/callback';
export const PASSWORD = 'correct horse battery staple';

export interface RegisteredClient {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly config: oidc.Configuration;
}

/** Registers a client through the same registry the CLI uses and discovers it with openid-client. */
export async function registerClient(server: TestServer, metadata: Record<string, unknown>): Promise<RegisteredClient> {
  const registered = await server.services.clients.create({ redirect_uris: [REDIRECT_URI], ...metadata });
  const clientAuth = registered.client_secret ? oidc.ClientSecretBasic(registered.client_secret) : oidc.None();
  const config = await oidc.discovery(new URL(server.issuer), registered.client_id, {}, clientAuth, { execute: [oidc.allowInsecureRequests] });
  return { clientId: registered.client_id, clientSecret: registered.client_secret, config };
}

export async function createUser(server: TestServer, email: string, password = PASSWORD) {
  return server.services.accounts.register({ email, password, name: 'Test User', emailVerified: true });
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export async function authorizationRequest(client: RegisteredClient, parameters: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  return { url, verifier, state, nonce };
}

export const isCallback = (next: string): boolean => next.startsWith(REDIRECT_URI);

/** Drives login and consent through the HTML forms until the redirect back to the client (`isBack`: its redirect URI). */
export async function signIn(browser: Browser, request: Pick<AuthorizationRequest, 'url'>, email: string, password = PASSWORD, isBack = isCallback): Promise<URL> {
  let page: Page = await browser.follow(request.url.toString(), isBack);
  if (!isBack(page.url)) {
    if (Browser.forms(page).some((form) => /\/login$/.test(form.action))) {
      page = await browser.submit(page, /\/login$/, { email, password }, isBack);
    }
    if (!isBack(page.url) && Browser.forms(page).some((form) => /\/confirm$/.test(form.action))) {
      page = await browser.submit(page, /\/confirm$/, {}, isBack);
    }
  }
  if (!isBack(page.url)) throw new Error(`sign-in did not return to the client (status ${page.status}): ${page.html.slice(0, 300)}`);
  return new URL(page.url);
}

export async function exchange(client: RegisteredClient, callback: URL, request: AuthorizationRequest) {
  return oidc.authorizationCodeGrant(client.config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
}
