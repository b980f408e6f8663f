import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { CLI_CONTEXT } from '../../src/management/operation-context.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, isCallback, PASSWORD, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// F1: a client gets tokens only for the APIs in its `audience`, with only the scopes in its `scope`.
const API = 'https://api.example.test';
const ADMIN_API = 'https://admin.example.test';
const SHORT_API = 'https://short.example.test';
const EMAIL = 'grace@example.com';

let server: TestServer;
let worker: RegisteredClient;

const machine = (metadata: Record<string, unknown>) =>
  registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], ...metadata });

beforeAll(async () => {
  server = await startTestServer();
  await server.services.resources.create({ identifier: API, scopes: ['api:read', 'api:write'] });
  await server.services.resources.create({ identifier: ADMIN_API, scopes: ['admin:all'] });
  await server.services.resources.create({ identifier: SHORT_API, scopes: ['short:read'], accessTokenTtl: 3 });
  await createUser(server, EMAIL);
  worker = await machine({ scope: 'api:read short:read', audience: [API, SHORT_API] });
});
afterAll(() => server.close());

describe('client credentials: audience and scope metadata', () => {
  test('a client without audience gets tokens for no API', async () => {
    const plain = await machine({ scope: 'api:read admin:all' });
    await expect(oidc.clientCredentialsGrant(plain.config, { resource: API, scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(oidc.clientCredentialsGrant(plain.config, { resource: ADMIN_API, scope: 'admin:all' })).rejects.toMatchObject({ error: 'invalid_target' });
  });

  test('a client without scope is granted nothing by client_credentials', async () => {
    const plain = await machine({ audience: [API] });
    await expect(oidc.clientCredentialsGrant(plain.config, { resource: API, scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(oidc.clientCredentialsGrant(plain.config, { scope: 'openid' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  test('the reviewed attack: an ordinary machine client asking for the admin API', async () => {
    await expect(oidc.clientCredentialsGrant(worker.config, { resource: ADMIN_API, scope: 'admin:all' })).rejects.toMatchObject({ error: 'invalid_target' });
  });

  test('a scope outside the client\'s scope is invalid_scope, not silently dropped', async () => {
    await expect(oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read api:write' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  test('an API scope without the API (no resource) is invalid_scope, not a token without audience', async () => {
    await expect(oidc.clientCredentialsGrant(worker.config, { scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  test('a scope outside the client\'s scope is invalid_scope with or without a resource', async () => {
    await expect(oidc.clientCredentialsGrant(worker.config, { scope: 'admin:all' })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'admin:all' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  test('within both, the token is for that API with the asked scopes', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: API, scope: 'api:read', sub: worker.clientId });
  });

  test('a resource\'s own access-token lifetime applies to client credentials', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: SHORT_API, scope: 'short:read' });
    expect(tokens.expires_in).toBeLessThanOrEqual(3);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.exp! - claims.iat!).toBe(3);
  });

  test('client update narrows the audience at once', async () => {
    const narrowing = await machine({ scope: 'api:read', audience: [API] });
    await expect(oidc.clientCredentialsGrant(narrowing.config, { resource: API, scope: 'api:read' })).resolves.toBeDefined();
    await server.services.clients.update(narrowing.clientId, { audience: null });
    await expect(oidc.clientCredentialsGrant(narrowing.config, { resource: API, scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_target' });
  });
});

describe('user flows: audience and scope metadata', () => {
  test('a public SPA cannot ask a user to consent to an API outside its audience', async () => {
    const spa = await registerClient(server, { token_endpoint_auth_method: 'none', scope: 'openid admin:all' });
    const request = await authorizationRequest(spa, { scope: 'openid admin:all', resource: ADMIN_API });
    const page = await new Browser().follow(request.url.toString(), isCallback);
    expect(isCallback(page.url)).toBe(true);
    expect(new URL(page.url).searchParams.get('error')).toBe('invalid_target');
  });

  test('consent names the API and its scopes in the words the admin gave them', async () => {
    const DESCRIBED = 'https://orders.example.test';
    await server.services.management.resources.create(CLI_CONTEXT, { identifier: DESCRIBED, scopes: ['orders:read', 'orders:cancel'], name: 'Orders', scopeDescriptions: { 'orders:read': 'See your orders' } });
    const app = await registerClient(server, { scope: 'openid orders:read orders:cancel', audience: [DESCRIBED] });
    const request = await authorizationRequest(app, { scope: 'openid orders:read orders:cancel', resource: DESCRIBED, prompt: 'consent' });
    const browser = new Browser();
    const login = await browser.follow(request.url.toString(), isCallback);
    const consent = await browser.submit(login, /\/login$/, { email: EMAIL, password: PASSWORD }, isCallback);
    expect(consent.html).toContain('In <strong>Orders</strong> <span class="muted">(orders.example.test)</span>');
    expect(consent.html).toContain('<li>See your orders</li>');
    // A scope without a description is shown as it is; never "Use …" or the bare URI.
    expect(consent.html).toContain('<li>orders:cancel</li>');
    expect(consent.html).not.toContain('For use with');
    await expect(server.services.management.resources.update(CLI_CONTEXT, DESCRIBED, { scopeDescriptions: { 'orders:ship': 'Ship' } })).rejects.toMatchObject({ code: 'invalid_input' });
    const renamed = await server.services.management.resources.update(CLI_CONTEXT, DESCRIBED, { scopes: ['orders:cancel'], name: null });
    expect(renamed).toMatchObject({ name: null, scopeDescriptions: {} });
  });

  test('consent and tokens carry only scopes in the client\'s scope; the rest is not granted', async () => {
    const app = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'], scope: 'openid offline_access api:read', audience: [API] });
    const request = await authorizationRequest(app, { scope: 'openid email offline_access api:read api:write', resource: API, prompt: 'consent' });
    const browser = new Browser();
    const login = await browser.follow(request.url.toString(), isCallback);
    const consent = await browser.submit(login, /\/login$/, { email: EMAIL, password: PASSWORD }, isCallback);
    expect(consent.html).toContain('api:read');
    expect(consent.html).not.toContain('api:write');
    expect(consent.html).not.toContain('See your email address');
    const callback = new URL((await browser.submit(consent, /\/confirm$/, {}, isCallback)).url);
    const tokens = await exchange(app, callback, request);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.aud).toBe(API);
    expect(claims.scope).toBe('api:read');
    expect(tokens.claims()?.sub).toBeDefined();
    expect(tokens.refresh_token).toBeDefined();

    // Narrowing the client later ends what it was granted: its users consent again.
    await server.services.clients.update(app.clientId, { audience: [] });
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!, { resource: API })).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('taking an OpenID scope away from a client ends the grants that hold it', async () => {
    const app = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'], scope: 'openid email offline_access' });
    const request = await authorizationRequest(app, { scope: 'openid email offline_access', prompt: 'consent' });
    const tokens = await exchange(app, await signIn(new Browser(), request, EMAIL), request);
    await server.services.clients.update(app.clientId, { scope: 'openid offline_access' });
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(app.config, tokens.access_token, oidc.skipSubjectCheck)).rejects.toBeDefined();
  });

  test('widening a client keeps what it was granted', async () => {
    const app = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'], scope: 'openid offline_access' });
    const request = await authorizationRequest(app, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await exchange(app, await signIn(new Browser(), request, EMAIL), request);
    await server.services.clients.update(app.clientId, { scope: 'openid email offline_access', client_name: 'Renamed' });
    await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).resolves.toBeDefined();
  });

  test('prompt=none after consent is silent even when the request names scopes outside the client\'s scope', async () => {
    const app = await registerClient(server, { scope: 'openid email api:read', audience: [API] });
    const browser = new Browser();
    await signIn(browser, await authorizationRequest(app, { scope: 'openid email api:read', resource: API }), EMAIL);
    const silent = await authorizationRequest(app, { scope: 'openid email profile api:read api:write', resource: API, prompt: 'none' });
    const page = await browser.follow(silent.url.toString(), isCallback);
    const callback = new URL(page.url);
    expect(callback.searchParams.get('error')).toBeNull();
    const tokens = await exchange(app, callback, silent);
    expect(decodeJwt(tokens.access_token).scope).toBe('api:read');
  });

  test('a pushed authorization request is narrowed the same way', async () => {
    const app = await registerClient(server, { scope: 'openid api:read', audience: [API] });
    const verifier = oidc.randomPKCECodeVerifier();
    const { request_uri } = await oidc.buildAuthorizationUrlWithPAR(app.config, {
      redirect_uri: 'http://127.0.0.1:9999/callback', scope: 'openid email api:read api:write', resource: API,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).then((url) => ({ request_uri: url.searchParams.get('request_uri')! }));
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: app.clientId, request_uri }).toString();
    const browser = new Browser();
    const login = await browser.follow(url.toString(), isCallback);
    const consent = await browser.submit(login, /\/login$/, { email: EMAIL, password: PASSWORD }, isCallback);
    expect(consent.html).not.toContain('api:write');
    expect(consent.html).not.toContain('See your email address');
    const callback = new URL((await browser.submit(consent, /\/confirm$/, {}, isCallback)).url);
    const tokens = await oidc.authorizationCodeGrant(app.config, callback, { pkceCodeVerifier: verifier, idTokenExpected: true });
    expect(decodeJwt(tokens.access_token).scope).toBe('api:read');
  });

  test('a client without scope gets only the OpenID scopes in user flows', async () => {
    const app = await registerClient(server, { audience: [API] });
    const request = await authorizationRequest(app, { scope: 'openid email api:read', resource: API });
    const tokens = await exchange(app, await signIn(new Browser(), request, EMAIL), request);
    expect(decodeJwt(tokens.access_token).scope).toBeUndefined();
    expect(tokens.claims()?.sub).toBeDefined();
  });

  test('a resource\'s own access-token lifetime applies to the code flow', async () => {
    const app = await registerClient(server, { scope: 'openid short:read', audience: [SHORT_API] });
    const request = await authorizationRequest(app, { scope: 'openid short:read', resource: SHORT_API });
    const tokens = await exchange(app, await signIn(new Browser(), request, EMAIL), request);
    expect(tokens.expires_in).toBeLessThanOrEqual(3);
  });
});

describe('introspection of JWT access tokens (RFC 7662)', () => {
  let introspector: RegisteredClient;
  beforeAll(async () => {
    introspector = await machine({ introspection_audiences: [API] });
  });

  test('the token\'s own client and an introspection_audiences client get an answer', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' });
    const own = await oidc.tokenIntrospection(worker.config, tokens.access_token);
    expect(own).toMatchObject({ active: true, client_id: worker.clientId, sub: worker.clientId, aud: API, scope: 'api:read', iss: server.issuer, token_type: 'Bearer' });
    expect((await oidc.tokenIntrospection(introspector.config, tokens.access_token)).active).toBe(true);
  });

  test('another client learns nothing', async () => {
    const stranger = await machine({});
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' });
    expect(await oidc.tokenIntrospection(stranger.config, tokens.access_token)).toEqual({ active: false });
  });

  test('a forged JWT is inactive, not an error', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const forged = await new SignJWT({ client_id: worker.clientId, scope: 'api:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'forged', jwk })
      .setIssuer(server.issuer).setSubject(worker.clientId).setAudience(API).setIssuedAt().setExpirationTime('5m')
      .sign(privateKey);
    expect(await oidc.tokenIntrospection(worker.config, forged)).toEqual({ active: false });
  });

  test('a user token is inactive once its account is disabled', async () => {
    await createUser(server, 'linus@example.com');
    const app = await registerClient(server, { scope: 'openid api:read', audience: [API] });
    const request = await authorizationRequest(app, { scope: 'openid api:read', resource: API });
    const tokens = await exchange(app, await signIn(new Browser(), request, 'linus@example.com'), request);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(true);
    await server.services.accounts.setDisabled('linus@example.com', true);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
  });

  test('a user JWT is inactive once its grant is revoked, even if minted the same second', async () => {
    await createUser(server, 'margaret@example.com');
    const app = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'], scope: 'openid offline_access api:read', audience: [API] });
    const request = await authorizationRequest(app, { scope: 'openid offline_access api:read', resource: API, prompt: 'consent' });
    const tokens = await exchange(app, await signIn(new Browser(), request, 'margaret@example.com'), request);
    const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!, { resource: API });
    expect(decodeJwt(refreshed.access_token).grant_id).toEqual(expect.any(String));
    expect((await oidc.tokenIntrospection(app.config, refreshed.access_token)).active).toBe(true);
    // The client revokes the refresh token: oidc-provider revokes the whole grant with it.
    await oidc.tokenRevocation(app.config, refreshed.refresh_token!);
    expect((await oidc.tokenIntrospection(app.config, refreshed.access_token)).active).toBe(false);
  });

  test('a user JWT minted just before sign-out everywhere introspects inactive', async () => {
    await createUser(server, 'katherine@example.com');
    const app = await registerClient(server, { scope: 'openid api:read', audience: [API] });
    const request = await authorizationRequest(app, { scope: 'openid api:read', resource: API });
    const tokens = await exchange(app, await signIn(new Browser(), request, 'katherine@example.com'), request);
    await server.services.accounts.signOutEverywhere('katherine@example.com');
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
  });

  test('a token of a deleted client stays inactive after the client_id is registered again', async () => {
    const doomed = await machine({ client_id: 'doomed-worker', scope: 'api:read', audience: [API] });
    const tokens = await oidc.clientCredentialsGrant(doomed.config, { resource: API, scope: 'api:read' });
    await server.services.clients.delete('doomed-worker');
    // The same second as the original registration would be indistinguishable by `iat`.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reborn = await machine({ client_id: 'doomed-worker', scope: 'api:read', audience: [API] });
    expect((await oidc.tokenIntrospection(reborn.config, tokens.access_token)).active).toBe(false);
  });
});
