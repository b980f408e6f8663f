import { decodeJwt, decodeProtectedHeader, createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const API = 'https://api.example.test';
let server: TestServer;
let service: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer();
  await server.services.resources.create({ identifier: API, scopes: ['api:read', 'api:write'], accessTokenTtl: 900 });
  service = await registerClient(server, {
    client_name: 'Worker',
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: 'api:read api:admin late:read o:read',
    audience: [API, 'https://late.example', 'https://opaque.example', 'https://opaque2.example'],
  });
});
afterAll(() => server.close());

describe('client credentials with resource indicators', () => {
  test('a token for a registered resource is an RFC 9068 JWT for that audience only', async () => {
    const tokens = await oidc.clientCredentialsGrant(service.config, { resource: API, scope: 'api:read' });
    expect(tokens.expires_in).toBeLessThanOrEqual(900);
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { issuer: server.issuer, audience: API, typ: 'at+jwt' });
    expect(payload).toMatchObject({ client_id: service.clientId, scope: 'api:read', aud: API });
  });

  test('scopes the resource does not have are not granted, even when the client may have them', async () => {
    const tokens = await oidc.clientCredentialsGrant(service.config, { resource: API, scope: 'api:read api:admin' });
    expect(decodeJwt(tokens.access_token).scope).toBe('api:read');
  });

  test('a scope of the resource outside the client\'s scope is invalid_scope (F1)', async () => {
    await expect(oidc.clientCredentialsGrant(service.config, { resource: API, scope: 'api:read api:write' })).rejects.toMatchObject({ error: 'invalid_scope' });
  });

  test('an unregistered resource is refused with invalid_target', async () => {
    await expect(oidc.clientCredentialsGrant(service.config, { resource: 'https://unknown.example', scope: 'api:read' })).rejects.toMatchObject({ error: 'invalid_target' });
  });

  test('a resource registered after start works at once', async () => {
    await server.services.resources.create({ identifier: 'https://late.example', scopes: ['late:read'] });
    const tokens = await oidc.clientCredentialsGrant(service.config, { resource: 'https://late.example', scope: 'late:read' });
    expect(decodeJwt(tokens.access_token).aud).toBe('https://late.example');
  });

  test('an opaque-format resource gets an introspectable opaque token', async () => {
    await server.services.resources.create({ identifier: 'https://opaque.example', scopes: ['o:read'], tokenFormat: 'opaque' });
    const tokens = await oidc.clientCredentialsGrant(service.config, { resource: 'https://opaque.example', scope: 'o:read' });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    const introspection = await oidc.tokenIntrospection(service.config, tokens.access_token);
    expect(introspection).toMatchObject({ active: true, client_id: service.clientId, scope: 'o:read', aud: 'https://opaque.example' });
    await oidc.tokenRevocation(service.config, tokens.access_token);
    expect((await oidc.tokenIntrospection(service.config, tokens.access_token)).active).toBe(false);
  });

  test('a client registered after start works at once, and a deleted one stops', async () => {
    const late = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api:read', audience: [API] });
    await expect(oidc.clientCredentialsGrant(late.config, { resource: API, scope: 'api:read' })).resolves.toBeDefined();
    await server.services.clients.delete(late.clientId);
    await expect(oidc.clientCredentialsGrant(late.config, { resource: API, scope: 'api:read' })).rejects.toBeDefined();
  });

  test('a client not allowed client_credentials is refused', async () => {
    const web = await registerClient(server, { grant_types: ['authorization_code'] });
    await expect(oidc.clientCredentialsGrant(web.config, { resource: API, scope: 'api:read' })).rejects.toMatchObject({ error: 'unauthorized_client' });
  });
});

describe('public clients', () => {
  test('a public client completes code + PKCE without a secret and gets an audience-bound JWT', async () => {
    await createUser(server, 'pat@example.com');
    const app = await registerClient(server, { token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: ['http://127.0.0.1:9999/callback'], scope: 'openid api:read', audience: [API] });
    expect(app.clientSecret).toBeUndefined();
    const request = await authorizationRequest(app, { scope: 'openid api:read', resource: API });
    const tokens = await exchange(app, await signIn(new Browser(), request, 'pat@example.com'), request);
    const claims = decodeJwt(tokens.access_token);
    expect(claims.aud).toBe(API);
    expect(claims.scope).toBe('api:read');
  });
});

describe('signing keys', () => {
  test('the JWKS publishes RS256 and ES256 public keys only', async () => {
    const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) {
      expect(key.kid).toBeTruthy();
      expect(key).not.toHaveProperty('d');
      expect(key).not.toHaveProperty('p');
    }
  });
});

describe('who may introspect and revoke', () => {
  test('a client cannot revoke another client’s token', async () => {
    const other = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
    await server.services.resources.create({ identifier: 'https://opaque2.example', scopes: ['o:read'], tokenFormat: 'opaque' });
    const tokens = await oidc.clientCredentialsGrant(service.config, { resource: 'https://opaque2.example', scope: 'o:read' });
    await expect(oidc.tokenRevocation(other.config, tokens.access_token)).rejects.toBeDefined();
    expect((await oidc.tokenIntrospection(service.config, tokens.access_token)).active).toBe(true);
  });

  test('a public client cannot introspect another client’s token', async () => {
    const tokens = await oidc.clientCredentialsGrant(service.config, { resource: 'https://opaque2.example', scope: 'o:read' });
    const app = await registerClient(server, { token_endpoint_auth_method: 'none' });
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
  });
});
