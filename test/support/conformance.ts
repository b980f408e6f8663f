import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { Browser, type Page } from './browser.ts';
import { createUser, PASSWORD, REDIRECT_URI } from './flows.ts';
import { startTestServer, type TestServer } from './server.ts';

/**
 * What the OIDF conformance modules in test/conformance/ share: an OP with one user and one
 * statically registered client (the plans' `client_registration=static_client`), an authorization
 * driver that answers the login and consent pages the way the suite's browser automation does, and
 * raw token, userinfo and ID token helpers, so each module's test reads like the module.
 */
export type ResponseMode = 'default' | 'form_post';
export type ClientAuth = 'client_secret_basic' | 'client_secret_post';

export interface ConformanceClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly auth: ClientAuth;
}

export interface ConformanceOp {
  readonly server: TestServer;
  readonly issuer: string;
  readonly metadata: Record<string, unknown>;
  readonly email: string;
  readonly accountId: string;
  readonly client: ConformanceClient;
  /** Registers another client (the suite's second client, or one with other metadata). */
  registerClient(metadata?: Record<string, unknown>, auth?: ClientAuth): Promise<ConformanceClient>;
  close(): Promise<void>;
}

export const CONFORMANCE_EMAIL = 'conformance.user@example.com';

export async function startConformanceOp(
  options: { overrides?: Record<string, string>; client?: Record<string, unknown>; auth?: ClientAuth; https?: boolean } = {},
): Promise<ConformanceOp> {
  const server = await startTestServer(options.overrides ?? {}, options.https ? { https: true } : {});
  const account = await createUser(server, CONFORMANCE_EMAIL);
  const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  const registerClient = async (
    extra: Record<string, unknown> = {},
    auth: ClientAuth = 'client_secret_basic',
  ): Promise<ConformanceClient> => {
    const registered = await server.services.clients.create({
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: auth,
      ...extra,
    });
    if (!registered.client_secret) throw new Error('the conformance client needs a secret');
    return { clientId: registered.client_id, clientSecret: registered.client_secret, auth };
  };
  const client = await registerClient(options.client, options.auth);
  return {
    server,
    issuer: server.issuer,
    metadata,
    email: CONFORMANCE_EMAIL,
    accountId: account.id,
    client,
    registerClient,
    close: () => server.close(),
  };
}

/** The authorization endpoint URL with exactly these parameters (nothing added). */
export function authorizationUrl(op: ConformanceOp, parameters: Record<string, string>): URL {
  const url = new URL(String(op.metadata.authorization_endpoint));
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url;
}

/** The parameters a code-flow module starts from: `response_type=code`, `scope=openid`, state, nonce. */
export function codeRequest(
  op: ConformanceOp,
  client: ConformanceClient = op.client,
  extra: Record<string, string> = {},
  responseMode: ResponseMode = 'default',
): Record<string, string> {
  return {
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'openid',
    state: `state-${Math.random().toString(36).slice(2)}`,
    nonce: `nonce-${Math.random().toString(36).slice(2)}`,
    ...(responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
    ...extra,
  };
}

export type AuthorizationOutcome =
  /** Back at the client's redirect URI: `params` from the query (default mode) or the auto-posted form (form_post). */
  | {
      readonly kind: 'callback';
      readonly via: 'query' | 'form_post';
      readonly params: URLSearchParams;
      readonly page: Page;
      readonly sawLogin: boolean;
      readonly sawConsent: boolean;
    }
  /** The OP stopped at a page of its own (an error page the user sees). */
  | { readonly kind: 'page'; readonly page: Page; readonly sawLogin: boolean; readonly sawConsent: boolean };

const atRedirectUri = (url: string): boolean => url.startsWith(REDIRECT_URI);

/**
 * Follows an authorization request the way a user would: signs in when the login page shows, consents
 * when the consent page shows, and stops at the client's redirect URI (a redirect, or form_post's
 * self-submitting form) or at a page of the OP's own.
 */
export async function authorize(
  browser: Browser,
  url: URL | string,
  { email = CONFORMANCE_EMAIL, password = PASSWORD, method = 'GET' }: { email?: string; password?: string; method?: 'GET' | 'POST' } = {},
): Promise<AuthorizationOutcome> {
  let sawLogin = false;
  let sawConsent = false;
  const target = new URL(url);
  let page =
    method === 'POST'
      ? await browser.follow(`${target.origin}${target.pathname}`, atRedirectUri, {
          method: 'POST',
          form: Object.fromEntries(target.searchParams),
        })
      : await browser.follow(target.toString(), atRedirectUri);
  for (let step = 0; step < 4; step += 1) {
    if (atRedirectUri(page.url)) {
      const landed = new URL(page.url);
      return { kind: 'callback', via: 'query', params: landed.searchParams, page, sawLogin, sawConsent };
    }
    const forms = Browser.forms(page);
    const posted = forms.find((form) => atRedirectUri(form.action));
    if (posted) return { kind: 'callback', via: 'form_post', params: new URLSearchParams(posted.fields), page, sawLogin, sawConsent };
    if (forms.some((form) => /\/login$/.test(form.action))) {
      sawLogin = true;
      page = await browser.submit(page, /\/login$/, { email, password }, atRedirectUri);
    } else if (forms.some((form) => /\/confirm$/.test(form.action))) {
      sawConsent = true;
      page = await browser.submit(page, /\/confirm$/, {}, atRedirectUri);
    } else break;
  }
  return { kind: 'page', page, sawLogin, sawConsent };
}

/** The callback parameters of an outcome that must have reached the client. */
export function callbackParams(outcome: AuthorizationOutcome): URLSearchParams {
  if (outcome.kind !== 'callback')
    throw new Error(
      `expected a redirect back to the client, got a page (status ${outcome.page.status}): ${outcome.page.html.slice(0, 300)}`,
    );
  return outcome.params;
}

export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

const jsonAnswer = async (response: Response): Promise<JsonAnswer> => {
  const text = await response.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { non_json_body: text };
  }
  return { status: response.status, headers: response.headers, json };
};

/** A token endpoint request authenticated the way the client is registered. */
export async function tokenRequest(
  op: ConformanceOp,
  body: Record<string, string>,
  client: ConformanceClient = op.client,
): Promise<JsonAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const form = new URLSearchParams(body);
  if (client.auth === 'client_secret_basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  return jsonAnswer(await fetch(String(op.metadata.token_endpoint), { method: 'POST', headers, body: form }));
}

/** The code exchange with the module's redirect URI. */
export const exchangeCode = (
  op: ConformanceOp,
  code: string,
  client: ConformanceClient = op.client,
  extra: Record<string, string> = {},
): Promise<JsonAnswer> => tokenRequest(op, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, ...extra }, client);

/** Userinfo the three ways the plans call it: GET with the header, POST with the header, POST with the token in the body. */
export async function userinfo(
  op: ConformanceOp,
  accessToken: string,
  how: 'get' | 'post-header' | 'post-body' = 'get',
): Promise<JsonAnswer> {
  const endpoint = String(op.metadata.userinfo_endpoint);
  if (how === 'get') return jsonAnswer(await fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}` } }));
  if (how === 'post-header')
    return jsonAnswer(await fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } }));
  return jsonAnswer(
    await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: accessToken }),
    }),
  );
}

export interface VerifiedIdToken {
  readonly header: ProtectedHeaderParameters;
  readonly payload: JWTPayload & Record<string, unknown>;
}

/**
 * The checks the suite makes on every ID token (ValidateIdToken, ValidateIdTokenSignature,
 * ValidateIdTokenNonce, CheckForSubjectInIdToken): signed with a key from jwks_uri, `iss` the
 * issuer, `aud` the client, `exp` in the future, `iat` present and not in the future, `sub` present.
 */
export async function verifyIdToken(
  op: ConformanceOp,
  idToken: string,
  { client = op.client, nonce }: { client?: ConformanceClient; nonce?: string } = {},
): Promise<VerifiedIdToken> {
  const header = decodeProtectedHeader(idToken);
  const keys = createRemoteJWKSet(new URL(String(op.metadata.jwks_uri)));
  const { payload } = await jwtVerify(idToken, keys, { issuer: op.issuer, audience: client.clientId, clockTolerance: 5 });
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('the ID token has no sub');
  if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + 5)
    throw new Error('the ID token iat is missing or in the future');
  if (typeof payload.exp !== 'number') throw new Error('the ID token has no exp');
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== client.clientId)
    throw new Error('several audiences but azp is not the client');
  if (nonce !== undefined && payload.nonce !== nonce)
    throw new Error(`the ID token nonce ${String(payload.nonce)} is not the request's ${nonce}`);
  return { header, payload };
}

/** A full happy code flow: authorize, exchange, verify the ID token. What most modules start with. */
export async function codeFlow(
  op: ConformanceOp,
  {
    browser = new Browser(),
    client = op.client,
    extra = {},
    responseMode = 'default',
  }: { browser?: Browser; client?: ConformanceClient; extra?: Record<string, string>; responseMode?: ResponseMode } = {},
) {
  const parameters = codeRequest(op, client, extra, responseMode);
  const outcome = await authorize(browser, authorizationUrl(op, parameters));
  const params = callbackParams(outcome);
  const code = params.get('code');
  if (!code) throw new Error(`no code in the authorization response: ${params.toString()}`);
  const tokens = await exchangeCode(op, code, client);
  if (tokens.status !== 200) throw new Error(`token endpoint answered ${tokens.status}: ${JSON.stringify(tokens.json)}`);
  const idToken = await verifyIdToken(op, String(tokens.json.id_token), {
    client,
    ...(parameters.nonce ? { nonce: parameters.nonce } : {}),
  });
  return { browser, parameters, outcome, params, code, tokens, idToken };
}
