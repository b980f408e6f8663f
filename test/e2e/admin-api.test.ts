import { adminCall, adminToken, createAdminClient, requestAdminToken, type AdminClient } from '../support/admin.ts';
import { registerClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let admin: AdminClient;
let token: string;
let call: ReturnType<typeof adminCall>;

beforeAll(async () => {
  server = await startTestServer();
  admin = await createAdminClient(server);
  token = await adminToken(server, admin);
  call = adminCall(server, token);
});
afterAll(() => server.close());

const clientCredentials = (clientId: string, secret: string, extra: Record<string, string> = {}) =>
  fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
  });

describe('the admin listener', () => {
  test('serves health, metrics, OpenAPI and RFC 9728 metadata without a token', async () => {
    expect((await fetch(`${server.admin.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.admin.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.admin.url}/metrics`)).text();
    expect(metrics).toContain('portcullis_tokens_issued_total');
    expect(metrics).toContain('process_cpu_user_seconds_total');
    const openApi = (await (await fetch(`${server.admin.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openApi.openapi).toBe('3.1.0');
    expect(Object.keys(openApi.paths)).toEqual(expect.arrayContaining(['/admin/v1/clients', '/admin/v1/users/{id}/grants']));
    const metadata = (await (await fetch(`${server.admin.url}/.well-known/oauth-protected-resource`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: 'urn:portcullis:admin', authorization_servers: [server.issuer], bearer_methods_supported: ['header'] });
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['admin:read', 'admin:write', 'admin:clients:read', 'admin:audit:read']));
  });

  test('the public listener serves none of it', async () => {
    expect((await fetch(`${server.issuer}/admin/v1/clients`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await fetch(`${server.issuer}/metrics`)).status).toBe(404);
  });
});

describe('admin tokens', () => {
  test('no token: 401 with a Bearer challenge that points at the resource metadata', async () => {
    const response = await adminCall(server, undefined)('GET', '/admin/v1/clients');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"/);
    expect(response.body).toMatchObject({ type: 'urn:portcullis:problem:invalid_token', status: 401, title: expect.any(String), detail: expect.any(String) });
  });

  test('a garbage token or a token for another API: 401 invalid_token', async () => {
    expect((await adminCall(server, 'not-a-token')('GET', '/admin/v1/clients')).status).toBe(401);
    await server.services.resources.create({ identifier: 'https://api.example.test', scopes: ['api:read'] });
    const machine = await registerClient(server, { grant_types: ['client_credentials'], scope: 'api:read', audience: ['https://api.example.test'] });
    const apiToken = ((await (await clientCredentials(machine.clientId, machine.clientSecret!, { scope: 'api:read', resource: 'https://api.example.test' })).json()) as { access_token: string }).access_token;
    const response = await adminCall(server, apiToken)('GET', '/admin/v1/clients');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  test('only admin clients may get a token for the admin resource', async () => {
    const machine = await registerClient(server, { grant_types: ['client_credentials'], scope: 'admin:read admin:write' });
    const refused = await clientCredentials(machine.clientId, machine.clientSecret!, { scope: 'admin:read', resource: 'urn:portcullis:admin' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^invalid_(target|scope)$/);
    const listed = await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'], audience: ['urn:portcullis:admin'] });
    expect(listed.status).toBe(422);
  });

  test('a narrow scope reads its group only: 403 insufficient_scope elsewhere', async () => {
    const reader = await createAdminClient(server, { scope: 'admin:clients:read' });
    const narrow = adminCall(server, await adminToken(server, reader, 'admin:clients:read'));
    expect((await narrow('GET', '/admin/v1/clients')).status).toBe(200);
    const write = await narrow('POST', '/admin/v1/clients', { redirect_uris: ['https://app.example.test/cb'] });
    expect(write.status).toBe(403);
    expect(write.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="admin:write admin:clients:write"/);
    expect((await narrow('GET', '/admin/v1/users')).status).toBe(403);
    // A scope the admin client was not given is refused at the token endpoint.
    expect((await requestAdminToken(server, reader, 'admin:write')).status).toBe(400);
  });

  test("deleting an admin client ends its tokens at once, before they expire", async () => {
    const doomed = await createAdminClient(server);
    const doomedCall = adminCall(server, await adminToken(server, doomed));
    expect((await doomedCall('GET', '/admin/v1/clients')).status).toBe(200);
    expect((await call('DELETE', `/admin/v1/clients/${doomed.clientId}`)).status).toBe(204);
    expect((await doomedCall('GET', '/admin/v1/clients')).status).toBe(401);
  });
});

describe('clients over the API', () => {
  test('create, use, read (never a secret), change, list and delete', async () => {
    const created = await call('POST', '/admin/v1/clients', { client_name: 'Billing', grant_types: ['client_credentials'] });
    expect(created.status).toBe(201);
    const clientId = created.body.client_id as string;
    const secret = created.body.client_secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.headers.get('location')).toBe(`/admin/v1/clients/${clientId}`);
    expect((await clientCredentials(clientId, secret)).status).toBe(200);

    const read = await call('GET', `/admin/v1/clients/${clientId}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain(secret);
    expect(read.body).not.toHaveProperty('client_secret');
    expect(read.body.client_secret_status).toMatchObject({ last_used_at: expect.any(String), previous: null });

    const changed = await call('PATCH', `/admin/v1/clients/${clientId}`, { client_name: 'Billing v2', contacts: ['ops@example.test'] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ client_id: clientId, client_name: 'Billing v2', contacts: ['ops@example.test'] });
    expect((await clientCredentials(clientId, secret)).status).toBe(200);

    expect((await call('DELETE', `/admin/v1/clients/${clientId}`)).status).toBe(204);
    expect((await call('GET', `/admin/v1/clients/${clientId}`)).status).toBe(404);
    expect((await clientCredentials(clientId, secret)).status).toBe(401);
  });

  test('a redirect URI changes in place: the client keeps its id', async () => {
    const created = await call('POST', '/admin/v1/clients', { redirect_uris: ['http://127.0.0.1:9999/old'] });
    const clientId = created.body.client_id as string;
    const changed = await call('PATCH', `/admin/v1/clients/${clientId}`, { redirect_uris: ['http://127.0.0.1:9999/new'] });
    expect(changed.body).toMatchObject({ client_id: clientId, redirect_uris: ['http://127.0.0.1:9999/new'] });
  });

  test('lists page with an opaque cursor, a Link header and an optional total', async () => {
    for (let i = 0; i < 3; i += 1) await call('POST', '/admin/v1/clients', { client_name: `page ${i}`, grant_types: ['client_credentials'] });
    const first = await call('GET', '/admin/v1/clients?limit=2&count=true');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.next_cursor).toBe('string');
    expect(first.body.total).toBeGreaterThanOrEqual(3);
    expect(first.headers.get('link')).toMatch(/^<\/admin\/v1\/clients\?[^>]*cursor=[^>]+>; rel="next"$/);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/admin/v1/clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      for (const item of page.body.items) {
        expect(seen.has(item.client_id as string)).toBe(false);
        seen.add(item.client_id as string);
      }
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(seen.size).toBe(first.body.total);
    expect((await call('GET', '/admin/v1/clients?limit=201')).status).toBe(422);
    expect((await call('GET', '/admin/v1/clients?cursor=garbage')).status).toBe(422);
  });

  test('rotating a secret with an overlap: the old one works until it expires, on every request', async () => {
    const created = await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'] });
    const clientId = created.body.client_id as string;
    const oldSecret = created.body.client_secret as string;
    const rotated = await call('POST', `/admin/v1/clients/${clientId}/rotate-secret`, { previous_secret_valid_for: 2 });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.client_secret as string;
    expect(Date.parse(rotated.body.previous_secret_expires_at as string)).toBeGreaterThan(Date.now());
    expect((await clientCredentials(clientId, newSecret)).status).toBe(200);
    expect((await clientCredentials(clientId, oldSecret)).status).toBe(200);
    const status = (await call('GET', `/admin/v1/clients/${clientId}`)).body.client_secret_status as { previous: { last_used_at: string | null } };
    expect(status.previous.last_used_at).toEqual(expect.any(String));
    const deadline = Date.now() + 15_000;
    let answer = 200;
    while (answer === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = (await clientCredentials(clientId, oldSecret)).status;
    }
    expect(answer).toBe(401);
    expect((await clientCredentials(clientId, newSecret)).status).toBe(200);
  });

  test('rotating without an overlap ends the old secret at once', async () => {
    const created = await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'] });
    const clientId = created.body.client_id as string;
    const rotated = await call('POST', `/admin/v1/clients/${clientId}/rotate-secret`);
    expect(rotated.body.previous_secret_expires_at).toBeNull();
    expect((await clientCredentials(clientId, created.body.client_secret as string)).status).toBe(401);
  });
});

describe('bad input: problem details, never a 500', () => {
  test('unknown fields are refused with a JSON pointer', async () => {
    const response = await call('POST', '/admin/v1/users', { email: 'x@example.test', colour: 'blue' });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: expect.any(String) })]));
    const weak = await call('POST', '/admin/v1/users', { email: 'weak@example.test', password: '1qaz2wsx3edc4rfv' });
    expect(weak.status).toBe(422);
    expect(weak.body.errors).toEqual([{ pointer: '/password', message: expect.stringMatching(/common or breached/) }]);
    const short = await call('POST', '/admin/v1/users', { email: 'short@example.test', password: 'fourteen chars' });
    expect(short.status).toBe(422);
    expect(short.body.detail).toContain('at least 15 characters');
    const client = await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'], client_nmae: 'typo' });
    expect(client.status).toBe(422);
    expect(client.body.detail).toContain('client_nmae');
  });

  test('invalid JSON 400, wrong media type 415, body too large 413, unknown route 404, wrong method 405', async () => {
    expect((await call('POST', '/admin/v1/users', '{"email":')).status).toBe(400);
    expect((await call('POST', '/admin/v1/users', 'email=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    const huge = await call('POST', '/admin/v1/clients', { client_name: 'x'.repeat(70 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('GET', '/admin/v1/nothing-here')).status).toBe(404);
    expect((await call('PUT', '/admin/v1/clients')).status).toBe(405);
  });

  test('validation of a field: the field is named', async () => {
    const response = await call('POST', '/admin/v1/resources', { identifier: 'not a uri', scopes: [] });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/identifier' }), expect.objectContaining({ pointer: '/scopes' })]));
    const text = JSON.stringify(response.body);
    expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

describe('users over the API', () => {
  test('create, find by email, read, change and delete; never a password hash', async () => {
    const created = await call('POST', '/admin/v1/users', { email: 'Grace@Example.test', password: 'a long enough password', name: 'Grace', email_verified: true });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'grace@example.test', name: 'Grace', email_verified: true, disabled: false });
    const id = created.body.id as string;
    expect(JSON.stringify(created.body)).not.toMatch(/argon2|password/i);

    const found = await call('GET', '/admin/v1/users?email=GRACE@example.test');
    expect(found.body.items.map((item) => item.id)).toEqual([id]);
    expect((await call('GET', `/admin/v1/users/${id}`)).body).toMatchObject({ id, email: 'grace@example.test' });

    const disabled = await call('PATCH', `/admin/v1/users/${id}`, { disabled: true, name: 'Grace H.' });
    expect(disabled.body).toMatchObject({ disabled: true, name: 'Grace H.' });
    expect(await server.services.accounts.authenticate('grace@example.test', 'a long enough password')).toBeNull();
    await call('PATCH', `/admin/v1/users/${id}`, { disabled: false, password: 'another long password' });
    expect(await server.services.accounts.authenticate('grace@example.test', 'another long password')).toMatchObject({ id });

    expect((await call('POST', '/admin/v1/users', { email: 'grace@example.test', password: 'a long enough password' })).status).toBe(409);
    expect((await call('DELETE', `/admin/v1/users/${id}/sessions`)).status).toBe(204);
    expect((await call('DELETE', `/admin/v1/users/${id}/grants`)).status).toBe(204);
    expect((await call('DELETE', `/admin/v1/users/${id}`)).status).toBe(204);
    expect((await call('GET', `/admin/v1/users/${id}`)).status).toBe(404);
  });
});

describe('resources over the API', () => {
  test('create, read, change, list and delete; the admin resource is reserved', async () => {
    const identifier = 'https://orders.example.test';
    const created = await call('POST', '/admin/v1/resources', { identifier, scopes: ['orders:read'], access_token_ttl: 600, access_token_format: 'opaque' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ identifier, scopes: ['orders:read'], access_token_ttl: 600, access_token_format: 'opaque', user_access: 'listed-clients' });
    const path = `/admin/v1/resources/${encodeURIComponent(identifier)}`;
    expect((await call('PATCH', path, { user_access: 'any-client' })).body).toMatchObject({ user_access: 'any-client' });
    expect((await call('PATCH', path, { user_access: 'everyone' })).status).toBe(422);
    expect((await call('PATCH', path, { user_access: 'listed-clients' })).body).toMatchObject({ user_access: 'listed-clients' });
    expect((await call('GET', path)).body).toMatchObject({ identifier });
    expect((await call('PATCH', path, { scopes: ['orders:read', 'orders:write'] })).body).toMatchObject({ scopes: ['orders:read', 'orders:write'] });
    const described = await call('PATCH', path, { name: 'Orders', scope_descriptions: { 'orders:read': 'See your orders' } });
    expect(described.body).toMatchObject({ name: 'Orders', scope_descriptions: { 'orders:read': 'See your orders' } });
    const unknownScope = await call('PATCH', path, { scope_descriptions: { 'orders:ship': 'Ship them' } });
    expect(unknownScope.status).toBe(422);
    expect(unknownScope.body.errors).toEqual([{ pointer: '/scope_descriptions/orders:ship', message: 'not a scope of this resource' }]);
    expect((await call('GET', '/admin/v1/resources')).body.items.map((item) => item.identifier)).toContain(identifier);
    expect((await call('POST', '/admin/v1/resources', { identifier, scopes: ['x'] })).status).toBe(409);
    expect((await call('POST', '/admin/v1/resources', { identifier: 'urn:portcullis:admin', scopes: ['x'] })).status).toBe(409);
    expect((await call('DELETE', path)).status).toBe(204);
    expect((await call('GET', path)).status).toBe(404);
  });
});

describe('the audit trail', () => {
  test('every change is recorded with the admin client as actor, newest first, filterable', async () => {
    const created = await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'], client_name: 'audited' });
    const clientId = created.body.client_id as string;
    await call('POST', `/admin/v1/clients/${clientId}/rotate-secret`);
    const events = await call('GET', '/admin/v1/audit-events?limit=5');
    expect(events.status).toBe(200);
    expect(events.body.items[0]).toMatchObject({ action: 'client.secret_rotated', actor: `client:${admin.clientId}`, target: clientId, outcome: 'success', address: expect.any(String) });
    expect(events.body.items[1]).toMatchObject({ action: 'client.created', target: clientId });
    const filtered = await call('GET', '/admin/v1/audit-events?action=client.created');
    expect(filtered.body.items.every((item) => item.action === 'client.created')).toBe(true);
    expect(JSON.stringify(events.body)).not.toContain(created.body.client_secret as string);
  });
});

describe('no escalation through the admin API (review findings)', () => {
  test('a narrower admin cannot create, change, rotate or delete an admin client', async () => {
    const narrow = await createAdminClient(server, { scope: 'admin:clients:write admin:clients:read' });
    const narrowCall = adminCall(server, await adminToken(server, narrow, 'admin:clients:write admin:clients:read'));
    expect((await narrowCall('POST', '/admin/v1/clients', { admin: true })).status).toBe(403);
    expect((await narrowCall('PATCH', `/admin/v1/clients/${narrow.clientId}`, { scope: 'admin:read admin:write' })).status).toBe(403);
    expect((await narrowCall('POST', `/admin/v1/clients/${admin.clientId}/rotate-secret`)).status).toBe(403);
    expect((await narrowCall('DELETE', `/admin/v1/clients/${admin.clientId}`)).status).toBe(403);
    const ordinary = await narrowCall('POST', '/admin/v1/clients', { grant_types: ['client_credentials'] });
    expect(ordinary.status).toBe(201);
    expect((await narrowCall('PATCH', `/admin/v1/clients/${ordinary.body.client_id as string}`, { admin: true })).status).toBe(403);
  });

  test('an admin token stops working when its client is narrowed, re-created under its id, or its secret rotated without an overlap', async () => {
    const target = await createAdminClient(server);
    const old = adminCall(server, await adminToken(server, target));
    expect((await call('PATCH', `/admin/v1/clients/${target.clientId}`, { scope: 'admin:audit:read' })).status).toBe(200);
    // The old token carries admin:read admin:write, none of which the client may have now.
    expect((await old('GET', '/admin/v1/audit-events')).status).toBe(403);
    const fresh = adminCall(server, await adminToken(server, target, 'admin:audit:read'));
    expect((await fresh('GET', '/admin/v1/audit-events')).status).toBe(200);
    expect((await fresh('GET', '/admin/v1/users')).status).toBe(403);

    const rotated = await createAdminClient(server);
    const beforeRotation = adminCall(server, await adminToken(server, rotated));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call('POST', `/admin/v1/clients/${rotated.clientId}/rotate-secret`)).status).toBe(200);
    expect((await beforeRotation('GET', '/admin/v1/clients')).status).toBe(401);

    const recreated = await createAdminClient(server, { client_id: 'ci-deployer' });
    const stolen = adminCall(server, await adminToken(server, recreated));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await call('DELETE', '/admin/v1/clients/ci-deployer')).status).toBe(204);
    await createAdminClient(server, { client_id: 'ci-deployer' });
    expect((await stolen('GET', '/admin/v1/clients')).status).toBe(401);
  });

  test('an admin client signs no user in: no response types, no redirect URIs', async () => {
    const answer = await call('POST', '/admin/v1/clients', { admin: true, response_types: ['code'], redirect_uris: ['https://evil.example.test/cb'] });
    expect(answer.status).toBe(422);
  });

  test('input that cannot be stored is a 4xx, never a 500', async () => {
    expect((await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'], client_name: 'nul\u0000here' })).status).toBe(422);
    const deep = `${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}`;
    expect((await call('POST', '/admin/v1/clients', `{"grant_types":["client_credentials"],"jwks":${deep}}`)).status).toBe(422);
    expect((await call('GET', '/admin/v1/users?email=%00')).status).toBe(422);
    expect((await call('GET', '/admin/v1/audit-events?action=%00')).status).toBe(422);
    const badDate = Buffer.from(JSON.stringify(['-271821-04-20T00:00:00.000Z', 'x'])).toString('base64url');
    expect((await call('GET', `/admin/v1/clients?cursor=${badDate}`)).status).toBe(422);
    const nulKey = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'a\u0000b'])).toString('base64url');
    expect((await call('GET', `/admin/v1/users?cursor=${nulKey}`)).status).toBe(422);
    expect((await call('DELETE', '/admin/v1/resources/a%00b')).status).toBe(422);
    const reg = await fetch(`${server.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"jwks":${deep}}` });
    expect(reg.status).toBe(400);
  });

  test('key rotations are at most one a minute', async () => {
    expect((await call('POST', '/admin/v1/keys/rotate')).status).toBe(200);
    const again = await call('POST', '/admin/v1/keys/rotate');
    expect(again.status).toBe(409);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  test('an initial access token registers one client only', async () => {
    const token = (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string;
    const register = () =>
      fetch(`${server.issuer}/reg`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }) });
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(401);
  });
});
