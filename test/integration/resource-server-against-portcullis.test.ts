import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { createDemoApi } from '../../src/demo-api/app.ts';
import { createResourceServer } from '@portcullis/resource-server';
import { freePort } from '../support/environment.ts';
import { registerClient, type RegisteredClient } from '../support/flows.ts';
import { answersOk, PROCESS_TEST_TIMEOUT_MS, startNode, type RunningProcess } from '../support/processes.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** The resource-server module and the demo API against tokens from the real server. */
const API = 'https://api.demo.test';
const OPAQUE_API = 'https://opaque.demo.test';
let server: TestServer;
let worker: RegisteredClient;
let api: Server;
let apiUrl: string;
let opaqueApi: Server;
let opaqueApiUrl: string;

/** Listens first, so that the app can be built knowing its own URL (its DPoP publicUrl). */
async function listen(createApp: (url: string) => ReturnType<typeof createDemoApi>): Promise<[Server, string]> {
  const listening = createServer();
  listening.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  const handle = createApp(url).callback();
  listening.on('request', (req, res) => void handle(req, res));
  return [listening, url];
}

beforeAll(async () => {
  server = await startTestServer();
  await server.services.resources.create({ identifier: API, scopes: ['api:read', 'api:write'] });
  await server.services.resources.create({ identifier: OPAQUE_API, scopes: ['api:read'], tokenFormat: 'opaque' });
  worker = await registerClient(server, { client_name: 'Worker', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], audience: [API, OPAQUE_API], scope: 'api:read api:write' });
  const introspector = await server.services.clients.create({ client_name: 'Demo API', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], introspection_audiences: [OPAQUE_API] });
  [api, apiUrl] = await listen((publicUrl) => createDemoApi({ issuer: server.issuer, audience: API, publicUrl }));
  [opaqueApi, opaqueApiUrl] = await listen(() =>
    createDemoApi({
      issuer: server.issuer,
      audience: OPAQUE_API,
      introspection: { endpoint: `${server.issuer}/token/introspection`, clientId: introspector.client_id, clientSecret: introspector.client_secret! },
    }),
  );
});
afterAll(async () => {
  api.close();
  opaqueApi.close();
  await server.close();
});

const call = (url: string, authorization?: string) => fetch(`${url}/protected`, { headers: authorization ? { authorization } : {} });

test('a client-credentials JWT for the resource with api:read is accepted', async () => {
  const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' });
  const response = await call(apiUrl, `Bearer ${tokens.access_token}`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ sub: worker.clientId, client_id: worker.clientId, scope: 'api:read' });
});

test('no token: 401 with a Bearer challenge', async () => {
  const response = await call(apiUrl);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
});

test('a valid token without api:read: 403 insufficient_scope', async () => {
  const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:write' });
  const response = await call(apiUrl, `Bearer ${tokens.access_token}`);
  expect(response.status).toBe(403);
  expect(response.headers.get('www-authenticate')).toContain('insufficient_scope');
  expect(((await response.json()) as { error: string }).error).toBe('insufficient_scope');
});

test('a token for another audience, or an opaque userinfo token, is refused', async () => {
  const other = await oidc.clientCredentialsGrant(worker.config, { resource: OPAQUE_API, scope: 'api:read' });
  expect((await call(apiUrl, `Bearer ${other.access_token}`)).status).toBe(401);
  const tampered = (await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' })).access_token.slice(0, -4) + 'AAAA';
  expect((await call(apiUrl, `Bearer ${tampered}`)).status).toBe(401);
});

test('opaque tokens are checked by introspection, and revocation is honoured for new tokens', async () => {
  const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: OPAQUE_API, scope: 'api:read' });
  const accepted = await call(opaqueApiUrl, `Bearer ${tokens.access_token}`);
  expect(accepted.status).toBe(200);
  expect(((await accepted.json()) as { client_id: string }).client_id).toBe(worker.clientId);
  const revoked = await oidc.clientCredentialsGrant(worker.config, { resource: OPAQUE_API, scope: 'api:read' });
  await oidc.tokenRevocation(worker.config, revoked.access_token);
  expect((await call(opaqueApiUrl, `Bearer ${revoked.access_token}`)).status).toBe(401);
});

test('an API client without introspection_audiences cannot introspect other clients\' tokens', async () => {
  const stranger = await server.services.clients.create({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
  const [strangerApi, strangerUrl] = await listen(() =>
    createDemoApi({ issuer: server.issuer, audience: OPAQUE_API, introspection: { endpoint: `${server.issuer}/token/introspection`, clientId: stranger.client_id, clientSecret: stranger.client_secret! } }),
  );
  try {
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: OPAQUE_API, scope: 'api:read' });
    expect((await call(strangerUrl, `Bearer ${tokens.access_token}`)).status).toBe(401);
  } finally {
    strangerApi.close();
  }
});

test('introspection_audiences must be absolute URIs', async () => {
  await expect(server.services.clients.create({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [], introspection_audiences: ['not a uri'] })).rejects.toThrow(/introspection_audiences/);
});

test('a DPoP-bound token needs its proof', async () => {
  const keyPair = await oidc.randomDPoPKeyPair('ES256');
  const dpop = oidc.getDPoPHandle(worker.config, keyPair);
  const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' }, { DPoP: dpop });
  expect(tokens.token_type.toLowerCase()).toBe('dpop');
  expect((await call(apiUrl, `Bearer ${tokens.access_token}`)).status).toBe(401);
  const response = await oidc.fetchProtectedResource(worker.config, tokens.access_token, new URL(`${apiUrl}/protected`), 'GET', undefined, undefined, { DPoP: dpop });
  expect(response.status).toBe(200);
});

test('a DPoP proof is checked against the API\'s publicUrl, not the host the request reached', async () => {
  const [elsewhere, elsewhereUrl] = await listen(() => createDemoApi({ issuer: server.issuer, audience: API, publicUrl: 'https://api.demo.test' }));
  try {
    const dpop = oidc.getDPoPHandle(worker.config, await oidc.randomDPoPKeyPair('ES256'));
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' }, { DPoP: dpop });
    // The proof names the URL it was sent to (127.0.0.1:port), which is not this API's public URL.
    const status = await oidc
      .fetchProtectedResource(worker.config, tokens.access_token, new URL(`${elsewhereUrl}/protected`), 'GET', undefined, undefined, { DPoP: dpop })
      .then((r) => r.status, (error: unknown) => (error as { status?: number }).status);
    expect(status).toBe(401);
  } finally {
    elsewhere.close();
  }
});

test('ctx.state.auth.subjectType: a client-credentials token is a machine token (sub = client_id)', async () => {
  const rs = createResourceServer({ issuer: server.issuer, audience: API });
  const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' });
  const auth = await rs.verifyRequest({ method: 'GET', url: '/protected', headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(auth).toMatchObject({ sub: worker.clientId, clientId: worker.clientId, subjectType: 'client' });
});

describe('npm run start:api (the process)', () => {
  let child: RunningProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = await startNode('src/demo-api/main.ts', [], {
      env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), ISSUER: server.issuer, AUDIENCE: API },
      isReady: answersOk(`${url}/healthz`),
    });
  }, PROCESS_TEST_TIMEOUT_MS);
  afterAll(() => child.stop());

  test('accepts a valid token and rejects a missing one', async () => {
    const tokens = await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' });
    const ok = await call(url, `Bearer ${tokens.access_token}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ client_id: worker.clientId, scope: 'api:read' });
    const missing = await call(url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});
