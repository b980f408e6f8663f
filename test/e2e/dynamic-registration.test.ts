import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

const register = (server: TestServer, metadata: Record<string, unknown>, token?: string) =>
  fetch(`${server.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(metadata),
  });

const machineToken = (server: TestServer, clientId: string, secret: string, extra: Record<string, string> = {}) =>
  fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
  });

describe('REGISTRATION=initial-access-token (the default)', () => {
  let server: TestServer;
  let call: ReturnType<typeof adminCall>;
  beforeAll(async () => {
    server = await startTestServer();
    call = adminCall(server, await adminToken(server, await createAdminClient(server)));
  });
  afterAll(() => server.close());

  test('discovery names the registration endpoint; registering without a token is 401 invalid_token', async () => {
    const discovery = await json(await fetch(`${server.issuer}/.well-known/openid-configuration`));
    expect(discovery.registration_endpoint).toBe(`${server.issuer}/reg`);
    const refused = await register(server, { redirect_uris: ['https://app.example.test/cb'] });
    expect(refused.status).toBe(401);
    expect((await json(refused)).error).toBe('invalid_token');
  });

  test('with an initial access token: 201, a working client, and RFC 7592 read, update and delete', async () => {
    const iat = await call('POST', '/admin/v1/initial-access-tokens', { expires_in: 600 });
    expect(iat.status).toBe(201);
    const created = await register(server, { client_name: 'Self-made', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }, iat.body.token as string);
    expect([created.status, created.status === 201 ? '' : await created.clone().text()]).toEqual([201, '']);
    const client = await json(created);
    expect(client).toMatchObject({ client_id: expect.any(String), client_secret: expect.any(String), registration_access_token: expect.any(String), registration_client_uri: expect.stringContaining('/reg/') });
    const clientId = client.client_id as string;
    const secret = client.client_secret as string;
    expect((await machineToken(server, clientId, secret)).status).toBe(200);

    const stored = await server.services.db.prisma.client.findUniqueOrThrow({ where: { clientId } });
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.secretHash).toMatch(/^[0-9a-f]{64}$/);

    const management = { authorization: `Bearer ${client.registration_access_token as string}` };
    const read = await fetch(client.registration_client_uri as string, { headers: management });
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ client_id: clientId, client_name: 'Self-made' });

    const updated = await fetch(client.registration_client_uri as string, {
      method: 'PUT',
      headers: { ...management, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, client_name: 'Self-made v2', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }),
    });
    expect(updated.status).toBe(200);
    const afterUpdate = await json(updated);
    expect(afterUpdate.client_name).toBe('Self-made v2');
    // The secret survives an update; the registration access token rotates.
    expect((await machineToken(server, clientId, secret)).status).toBe(200);

    const deleted = await fetch(client.registration_client_uri as string, { method: 'DELETE', headers: { authorization: `Bearer ${afterUpdate.registration_access_token as string}` } });
    expect(deleted.status).toBe(204);
    expect((await machineToken(server, clientId, secret)).status).toBe(401);
    const actions = (await call('GET', '/admin/v1/audit-events?limit=20')).body.items.map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['client.registered', 'client.registration_updated', 'client.registration_deleted', 'initial_access_token.created']));
  });

  test('a dynamically registered client can never reach the admin API, nor name APIs itself', async () => {
    const token = (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string;
    const created = await json(await register(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'openid' }, token));
    const refused = await machineToken(server, created.client_id as string, created.client_secret as string, { resource: 'urn:portcullis:admin', scope: 'admin:read' });
    expect(refused.status).toBe(400);
    for (const field of [{ audience: ['urn:portcullis:admin'] }, { introspection_audiences: ['https://api.example.test'] }, { token_exchange_subject_audiences: ['https://api.example.test'] }]) {
      const another = (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string;
      const answer = await register(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], ...field }, another);
      expect(answer.status).toBe(400);
      expect((await json(answer)).error).toBe('invalid_client_metadata');
    }
  });

  test('a client_name that would mislead on the consent page is refused (direction controls, line breaks)', async () => {
    for (const client_name of ['Acme \u202Eelgoog', 'Acme\nYour bank']) {
      const answer = await register(server, { redirect_uris: ['https://app.example.test/cb'], client_name }, (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string);
      expect(answer.status).toBe(400);
      expect(await json(answer)).toMatchObject({ error: 'invalid_client_metadata', error_description: 'client_name must not contain text direction controls or line breaks' });
    }
  });

  test('require_pkce: false is for admins only; true may be registered', async () => {
    const refused = await register(server, { redirect_uris: ['https://app.example.test/cb'], require_pkce: false }, (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string);
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/require_pkce/) });
    const stricter = await register(server, { redirect_uris: ['https://app.example.test/cb'], require_pkce: true }, (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string);
    expect(stricter.status).toBe(201);
  });

  test('the registration policy applies: no implicit flow', async () => {
    const token = (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string;
    const answer = await register(server, { redirect_uris: ['https://app.example.test/cb'], response_types: ['code id_token'], grant_types: ['authorization_code', 'implicit'] }, token);
    expect(answer.status).toBe(400);
    expect((await json(answer)).error).toBe('invalid_client_metadata');
  });
});

describe('REGISTRATION=open', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REGISTRATION: 'open', REGISTRATION_RATE_LIMIT: '3' });
  });
  afterAll(() => server.close());

  test('anyone registers safe metadata, rate limited per address; plain http redirects only on loopback', async () => {
    const native = await register(server, { redirect_uris: ['http://127.0.0.1:49152/callback'], token_endpoint_auth_method: 'none', application_type: 'native' });
    expect(native.status).toBe(201);
    const body = await json(native);
    expect(body.client_secret).toBeUndefined();
    const unsafe = await register(server, { redirect_uris: ['http://app.example.test/cb'] });
    expect(unsafe.status).toBe(400);
    expect(await register(server, { redirect_uris: ['https://app.example.test/cb'] }).then((r) => r.status)).toBe(201);
    const limited = await register(server, { redirect_uris: ['https://app.example.test/cb'] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  test('initial access tokens are refused in open mode', async () => {
    const call = adminCall(server, await adminToken(server, await createAdminClient(server)));
    expect((await call('POST', '/admin/v1/initial-access-tokens')).status).toBe(409);
  });
});

describe('REGISTRATION=off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REGISTRATION: 'off' });
  });
  afterAll(() => server.close());

  test('no registration endpoint', async () => {
    const discovery = await json(await fetch(`${server.issuer}/.well-known/openid-configuration`));
    expect(discovery.registration_endpoint).toBeUndefined();
    expect((await register(server, { redirect_uris: ['https://app.example.test/cb'] })).status).toBe(404);
  });
});
