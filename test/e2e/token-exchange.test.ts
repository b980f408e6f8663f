import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * RFC 8693: a service (API A's backend) exchanges the user's token for API A for one for API B,
 * as the user, with itself as the actor. Which client may exchange what is client metadata.
 */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const API_A = 'https://api-a.example.test';
const API_B = 'https://api-b.example.test';
const API_C = 'https://api-c.example.test';
let server: TestServer;
let web: RegisteredClient;
let service: RegisteredClient;
let accountId: string;

beforeAll(async () => {
  server = await startTestServer();
  accountId = (await createUser(server, 'exchange@example.com')).id;
  await server.services.resources.create({ identifier: API_A, scopes: ['a:read'] });
  await server.services.resources.create({ identifier: API_B, scopes: ['b:read', 'b:write'], tokenFormat: 'opaque' });
  await server.services.resources.create({ identifier: API_C, scopes: ['c:read'] });
  web = await registerClient(server, { grant_types: ['authorization_code'], scope: 'openid a:read', audience: [API_A] });
  service = await registerClient(server, {
    grant_types: [TOKEN_EXCHANGE],
    redirect_uris: [],
    response_types: [],
    scope: 'b:read b:write c:read',
    audience: [API_B, API_C],
    token_exchange_subject_audiences: [API_A],
  });
});
afterAll(() => server.close());

async function userTokenForApiA() {
  const request = await authorizationRequest(web, { scope: 'openid a:read', resource: API_A });
  return exchange(web, await signIn(new Browser(), request, 'exchange@example.com'), request);
}

async function exchangeToken(client: RegisteredClient, parameters: Record<string, string>) {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN, ...parameters }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('a user token for API A becomes one for API B: same user, the service as actor, the scope asked', async () => {
  const user = await userTokenForApiA();
  const { status, body } = await exchangeToken(service, { subject_token: user.access_token, resource: API_B, scope: 'b:read' });
  expect(status).toBe(200);
  expect(body).toMatchObject({ issued_token_type: ACCESS_TOKEN, token_type: 'Bearer', scope: 'b:read' });
  expect(body.expires_in).toBeGreaterThan(0);
  const introspected = await oidc.tokenIntrospection(service.config, body.access_token as string);
  expect(introspected).toMatchObject({ active: true, sub: accountId, client_id: service.clientId, aud: API_B, scope: 'b:read', act: { sub: service.clientId } });
});

test('a JWT for API C carries act, never outlives the subject token, and dies when the user signs out everywhere', async () => {
  const user = await userTokenForApiA();
  const { body } = await exchangeToken(service, { subject_token: user.access_token, audience: API_C });
  const { payload } = await jwtVerify(body.access_token as string, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: API_C });
  expect(payload).toMatchObject({ sub: accountId, client_id: service.clientId, scope: 'c:read', act: { sub: service.clientId } });
  expect(payload.exp!).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + user.expires_in! + 1);

  expect((await oidc.tokenIntrospection(service.config, body.access_token as string)).active).toBe(true);
  await server.services.accounts.signOutEverywhere(accountId);
  expect((await oidc.tokenIntrospection(service.config, body.access_token as string)).active).toBe(false);
  expect((await exchangeToken(service, { subject_token: user.access_token, resource: API_B })).body.error).toBe('invalid_grant');
});

test('refused by default, for a token of another API, for an API outside the audience, and for scopes beyond the client', async () => {
  const user = await userTokenForApiA();
  const plain = await registerClient(server, { grant_types: [TOKEN_EXCHANGE], redirect_uris: [], response_types: [], scope: 'b:read', audience: [API_B] });
  expect((await exchangeToken(plain, { subject_token: user.access_token, resource: API_B })).body.error).toBe('unauthorized_client');

  const narrow = await registerClient(server, { grant_types: [TOKEN_EXCHANGE], redirect_uris: [], response_types: [], scope: 'b:read', audience: [API_B], token_exchange_subject_audiences: [API_C] });
  expect((await exchangeToken(narrow, { subject_token: user.access_token, resource: API_B })).body.error).toBe('invalid_grant');

  const outside = await registerClient(server, { grant_types: [TOKEN_EXCHANGE], redirect_uris: [], response_types: [], scope: 'c:read', audience: [API_B], token_exchange_subject_audiences: [API_A] });
  expect((await exchangeToken(outside, { subject_token: user.access_token, resource: API_C })).body.error).toBe('invalid_target');

  expect((await exchangeToken(plain, { subject_token: user.access_token, resource: API_B, scope: 'b:write' })).body.error).toBe('unauthorized_client');
  expect((await exchangeToken(service, { subject_token: user.access_token, resource: API_B, scope: 'b:admin' })).body.error).toBe('invalid_scope');
});

test('a client that does not have the grant type, a bad subject token, or a missing parameter is refused', async () => {
  const user = await userTokenForApiA();
  expect((await exchangeToken(web, { subject_token: user.access_token, resource: API_B })).body.error).toBe('unauthorized_client');
  expect((await exchangeToken(service, { subject_token: 'not-a-token', resource: API_B })).body.error).toBe('invalid_grant');
  expect((await exchangeToken(service, { subject_token: user.access_token })).body.error).toBe('invalid_target');
  expect((await exchangeToken(service, { subject_token: user.access_token, resource: API_B, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).body.error).toBe('invalid_request');
  // A client's own client_credentials token has no user to act for.
  const machine = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'a:read', audience: [API_A] });
  const own = await oidc.clientCredentialsGrant(machine.config, { resource: API_A });
  expect((await exchangeToken(service, { subject_token: own.access_token, resource: API_B })).body.error).toBe('invalid_grant');
});

test('with a DPoP proof the exchanged token is DPoP-bound to its key; a client bound to DPoP must send one', async () => {
  const keyPair = await oidc.randomDPoPKeyPair('ES256');
  const thumbprint = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
  const user = await userTokenForApiA();
  const bound = await oidc.genericGrantRequest(service.config, TOKEN_EXCHANGE, { subject_token: user.access_token, subject_token_type: ACCESS_TOKEN, resource: API_C }, { DPoP: oidc.getDPoPHandle(service.config, keyPair) });
  expect(bound.token_type.toLowerCase()).toBe('dpop');
  const { payload } = await jwtVerify(bound.access_token, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer, audience: API_C });
  expect(payload.cnf).toEqual({ jkt: thumbprint });
  const opaque = await oidc.genericGrantRequest(service.config, TOKEN_EXCHANGE, { subject_token: user.access_token, subject_token_type: ACCESS_TOKEN, resource: API_B }, { DPoP: oidc.getDPoPHandle(service.config, keyPair) });
  expect(await oidc.tokenIntrospection(service.config, opaque.access_token)).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: thumbprint } });

  const strict = await registerClient(server, { grant_types: [TOKEN_EXCHANGE], redirect_uris: [], response_types: [], scope: 'c:read', audience: [API_C], token_exchange_subject_audiences: [API_A], dpop_bound_access_tokens: true });
  const refused = await exchangeToken(strict, { subject_token: user.access_token, resource: API_C });
  expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
});

test('discovery lists the grant type', async () => {
  expect(service.config.serverMetadata().grant_types_supported).toContain(TOKEN_EXCHANGE);
});
