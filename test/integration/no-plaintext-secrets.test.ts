import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/observability/logger.ts';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { Browser, type Page } from '../support/browser.ts';
import { usingRedis } from '../support/environment.ts';
import { authorizationRequest, exchange, isCallback, REDIRECT_URI, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  captureEmbeddedStores,
  captureLogLines,
  dumpDatabase,
  dumpEmbeddedStores,
  dumpRedis,
  occurrences,
  type Dumped,
} from '../support/store-dump.ts';

// "No secret of any kind in plaintext in PostgreSQL, in Redis, or in a log line": a full run of
// flows, every secret it saw remembered, then both stores and every log line searched for them.

const KEK = randomBytes(32).toString('base64url');
const EMAIL = 'vault@example.test';
const PASSWORD = `pw ${randomBytes(12).toString('base64url')}`;
const WRONG_PASSWORD = `wrong ${randomBytes(12).toString('base64url')}`;
const API = 'https://api.secrets.example.test';
const OPAQUE_API = 'https://opaque.secrets.example.test';
// Their values are the interaction's uid, which is in the page's URL by design (and in request logs).
const URL_COOKIES = new Set(['portcullis.interaction', 'portcullis.resume']);

const secretText = () => `secret ${randomBytes(12).toString('base64url')}`;

const logs = captureLogLines();
const embedded = usingRedis ? undefined : captureEmbeddedStores();
/** Label → secret value, for every secret the flows saw. */
const secrets = new Map<string, string>();
const saw = (label: string, value: unknown): string => {
  if (typeof value !== 'string' || value.length < 8) throw new Error(`${label}: expected a secret, got ${JSON.stringify(value)}`);
  if (secrets.has(label)) throw new Error(`${label}: seen twice`);
  secrets.set(label, value);
  return value;
};

let server: TestServer;
let call: ReturnType<typeof adminCall>;

const basic = (clientId: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const tokenRequest = async (clientId: string, secret: string, parameters: Record<string, string>) => {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    body: new URLSearchParams(parameters),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const clientCredentials = async (label: string, clientId: string, secret: string, parameters: Record<string, string> = {}) => {
  const answer = await tokenRequest(clientId, secret, { grant_type: 'client_credentials', ...parameters });
  expect([label, answer.status]).toEqual([label, 200]);
  return saw(label, answer.body.access_token);
};
const discover = (clientId: string, secret: string) =>
  oidc.discovery(new URL(server.issuer), clientId, {}, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });

/** Every value each cookie ever had in `browser`, remembered as it goes. */
const cookieValues = new Map<string, Set<string>>();
const noteCookies = (browser: Browser) => {
  for (const pair of browser.cookieHeader().split('; ').filter(Boolean)) {
    const index = pair.indexOf('=');
    const name = pair.slice(0, index);
    if (!cookieValues.has(name)) cookieValues.set(name, new Set());
    cookieValues.get(name)!.add(pair.slice(index + 1));
  }
};

async function adminFlows() {
  const admin = await createAdminClient(server);
  saw('admin client secret', admin.clientSecret);
  const token = saw('admin access token', await adminToken(server, admin));
  call = adminCall(server, token);

  const user = await call('POST', '/admin/v1/users', { email: EMAIL, password: PASSWORD, name: 'Vault User', email_verified: true });
  expect(user.status).toBe(201);
  saw('user password', PASSWORD);
  // Another account: a password refused with the rest of a bad body, then one set and replaced.
  const refused = await call('POST', '/admin/v1/users', {
    email: 'other@example.test',
    password: saw('password in a refused body', secretText()),
    colour: 'blue',
  });
  expect(refused.status).toBe(422);
  const other = await call('POST', '/admin/v1/users', { email: 'other@example.test', password: saw('second user password', secretText()) });
  expect(other.status).toBe(201);
  const changed = await call('PATCH', `/admin/v1/users/${other.body.id as string}`, {
    password: saw('second user password (changed)', secretText()),
  });
  expect(changed.status).toBe(200);
  for (const [identifier, format] of [
    [API, 'jwt'],
    [OPAQUE_API, 'opaque'],
  ] as const) {
    expect(
      (
        await call('POST', '/admin/v1/resources', {
          identifier,
          scopes: [identifier === API ? 'api:read' : 'o:read'],
          access_token_format: format,
        })
      ).status,
    ).toBe(201);
  }
}

async function machineFlows() {
  const created = await call('POST', '/admin/v1/clients', {
    client_name: 'vault machine',
    grant_types: ['client_credentials'],
    scope: 'api:read o:read',
    audience: [API, OPAQUE_API],
  });
  expect(created.status).toBe(201);
  const clientId = created.body.client_id as string;
  const first = saw('client secret (created)', created.body.client_secret);
  await clientCredentials('client_credentials JWT access token (first secret)', clientId, first, { resource: API, scope: 'api:read' });

  const rotated = await call('POST', `/admin/v1/clients/${clientId}/rotate-secret`, { previous_secret_valid_for: 600 });
  expect(rotated.status).toBe(200);
  const second = saw('client secret (rotated with an overlap)', rotated.body.client_secret);
  await clientCredentials('client_credentials JWT access token (old secret, in the overlap)', clientId, first, {
    resource: API,
    scope: 'api:read',
  });
  const opaque = await clientCredentials('client_credentials opaque access token', clientId, second, {
    resource: OPAQUE_API,
    scope: 'o:read',
  });

  const again = await call('POST', `/admin/v1/clients/${clientId}/rotate-secret`, { previous_secret_valid_for: 600 });
  expect(again.status).toBe(200);
  const third = saw('client secret (rotated again)', again.body.client_secret);
  // The first secret is no longer the previous one: refused, with the secret in the request.
  expect((await tokenRequest(clientId, first, { grant_type: 'client_credentials' })).status).toBe(401);
  await clientCredentials('client_credentials opaque access token (second secret)', clientId, second, {
    resource: OPAQUE_API,
    scope: 'o:read',
  });
  await clientCredentials('client_credentials opaque access token (third secret)', clientId, third, {
    resource: OPAQUE_API,
    scope: 'o:read',
  });

  const machine = await discover(clientId, third);
  expect(await oidc.tokenIntrospection(machine, opaque)).toMatchObject({ active: true, client_id: clientId });
  await oidc.tokenRevocation(machine, opaque);
  expect(await oidc.tokenIntrospection(machine, opaque)).toMatchObject({ active: false });
}

async function userFlows() {
  const created = await call('POST', '/admin/v1/clients', {
    client_name: 'vault web',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid email profile offline_access',
  });
  expect(created.status).toBe(201);
  const clientId = created.body.client_id as string;
  const secret = saw('web client secret', created.body.client_secret);
  const web: RegisteredClient = { clientId, clientSecret: secret, config: await discover(clientId, secret) };

  const browser = new Browser();
  const request = await authorizationRequest(web, { scope: 'openid email offline_access', prompt: 'consent' });
  saw('PKCE code verifier', request.verifier);
  const login = await browser.follow(request.url.toString(), isCallback);
  noteCookies(browser);
  saw('wrong password typed', WRONG_PASSWORD);
  const failed = await browser.submit(login, /\/login$/, { email: EMAIL, password: WRONG_PASSWORD });
  expect(failed.status).toBe(401);
  noteCookies(browser);
  const consent: Page = await browser.submit(failed, /\/login$/, { email: EMAIL, password: PASSWORD }, isCallback);
  noteCookies(browser);
  const done = await browser.submit(consent, /\/confirm$/, {}, isCallback);
  noteCookies(browser);
  expect(isCallback(done.url)).toBe(true);
  const callback = new URL(done.url);
  saw('authorization code', callback.searchParams.get('code'));

  const tokens = await exchange(web, callback, request);
  saw('access token (code)', tokens.access_token);
  saw('refresh token (code)', tokens.refresh_token);
  saw('ID token (code)', tokens.id_token);
  expect(await oidc.fetchUserInfo(web.config, tokens.access_token, tokens.claims()!.sub)).toMatchObject({ email: EMAIL });

  const refreshed = await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
  saw('access token (first refresh)', refreshed.access_token);
  saw('refresh token (first rotation)', refreshed.refresh_token);
  saw('ID token (first refresh)', refreshed.id_token);
  expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
  const again = await oidc.refreshTokenGrant(web.config, refreshed.refresh_token!);
  saw('access token (second refresh)', again.access_token);
  saw('refresh token (second rotation)', again.refresh_token);
  saw('ID token (second refresh)', again.id_token);
  expect(await oidc.tokenIntrospection(web.config, again.refresh_token!)).toMatchObject({ active: true });

  // A second authorization rides on the session: another code, no forms.
  const second = await authorizationRequest(web, { scope: 'openid email' });
  saw('PKCE code verifier (second)', second.verifier);
  const page = await browser.follow(second.url.toString(), isCallback);
  noteCookies(browser);
  expect(isCallback(page.url)).toBe(true);
  const secondCallback = new URL(page.url);
  saw('authorization code (second)', secondCallback.searchParams.get('code'));
  const secondTokens = await exchange(web, secondCallback, second);
  saw('access token (second code)', secondTokens.access_token);
  saw('ID token (second code)', secondTokens.id_token);

  // RP-initiated logout asked (not confirmed): the ID token travels in the query string.
  const logout = new URL('/session/end', server.issuer);
  logout.search = new URLSearchParams({ id_token_hint: again.id_token!, client_id: clientId }).toString();
  expect((await browser.request(logout.toString())).status).toBe(200);
  noteCookies(browser);

  await replays(browser);

  for (const [name, values] of cookieValues) {
    if (URL_COOKIES.has(name)) continue;
    [...values].forEach((value, index) => saw(`cookie ${name} #${index}`, value));
  }
  expect([...cookieValues.keys()]).toEqual(expect.arrayContaining(['portcullis.session', 'portcullis.session.sig']));
}

/** Replays on a grant of its own (reuse detection revokes the whole grant): a code twice, a rotated refresh token. */
async function replays(browser: Browser) {
  const created = await call('POST', '/admin/v1/clients', {
    client_name: 'vault replay',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid offline_access',
    token_endpoint_auth_method: 'client_secret_post',
  });
  expect(created.status).toBe(201);
  const clientId = created.body.client_id as string;
  const secret = saw('replay client secret (client_secret_post)', created.body.client_secret);
  const config = await oidc.discovery(new URL(server.issuer), clientId, {}, oidc.ClientSecretPost(secret), {
    execute: [oidc.allowInsecureRequests],
  });
  const client: RegisteredClient = { clientId, clientSecret: secret, config };
  const request = await authorizationRequest(client, { scope: 'openid offline_access', prompt: 'consent' });
  saw('PKCE code verifier (replay)', request.verifier);
  const consent = await browser.follow(request.url.toString(), isCallback);
  noteCookies(browser);
  const done = await browser.submit(consent, /\/confirm$/, {}, isCallback);
  noteCookies(browser);
  const callback = new URL(done.url);
  const code = saw('authorization code (replayed)', callback.searchParams.get('code'));
  const tokens = await exchange(client, callback, request);
  saw('access token (replay grant)', tokens.access_token);
  saw('refresh token (replayed)', tokens.refresh_token);
  saw('ID token (replay grant)', tokens.id_token);
  const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  saw('refresh token (revoked by the replay)', rotated.refresh_token);
  saw('access token (revoked by the replay)', rotated.access_token);
  saw('ID token (replay grant, refreshed)', rotated.id_token);
  const post = (parameters: Record<string, string>) =>
    fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, client_secret: secret, ...parameters }),
    });
  expect((await post({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })).status).toBe(400);
  expect((await post({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token! })).status).toBe(400);
  expect((await post({ grant_type: 'authorization_code', code, code_verifier: request.verifier, redirect_uri: REDIRECT_URI })).status).toBe(
    400,
  );
  expect(await oidc.tokenIntrospection(config, rotated.access_token)).toMatchObject({ active: false });
  // A wrong secret in the body is refused and not logged either.
  const wrong = saw('wrong client secret (in a body)', secretText());
  expect((await post({ grant_type: 'refresh_token', refresh_token: rotated.refresh_token!, client_secret: wrong })).status).toBe(401);
}

async function registrationFlows() {
  const iat = await call('POST', '/admin/v1/initial-access-tokens', { expires_in: 600 });
  expect(iat.status).toBe(201);
  const initial = saw('initial access token', iat.body.token);
  const response = await fetch(`${server.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${initial}` },
    body: JSON.stringify({ client_name: 'vault self-made', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }),
  });
  expect(response.status).toBe(201);
  const registered = (await response.json()) as Record<string, string>;
  const secret = saw('dynamically registered client secret', registered.client_secret);
  const management = saw('registration access token', registered.registration_access_token);
  const uri = registered.registration_client_uri!;
  expect((await fetch(uri, { headers: { authorization: `Bearer ${management}` } })).status).toBe(200);
  const updated = await fetch(uri, {
    method: 'PUT',
    headers: { authorization: `Bearer ${management}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: registered.client_id,
      client_name: 'vault self-made v2',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    }),
  });
  expect(updated.status).toBe(200);
  const rotated = ((await updated.json()) as Record<string, string>).registration_access_token;
  if (rotated !== management) saw('registration access token (after update)', rotated);
  await clientCredentials('client_credentials access token (dynamically registered client)', registered.client_id!, secret);
}

async function keyMaterial() {
  saw('KEY_ENCRYPTION_KEY', KEK);
  server.services.cookieKeys.forEach((key, index) => saw(`cookie signing key ${index}`, key));
  for (const key of (await server.services.signingKeys.publishedKeySet()).keys) {
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const)
      if (key[part]) saw(`private signing key ${key.kid} "${part}"`, key[part]);
  }
}

/** Sign-in audit events are written in the background: wait for them before dumping. */
async function auditSettled() {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [failed, succeeded] = await Promise.all([
      server.services.audit.count({ action: 'login.failed' }),
      server.services.audit.count({ action: 'login.succeeded' }),
    ]);
    if (failed >= 1 && succeeded >= 1) return;
    if (Date.now() > deadline) throw new Error(`sign-in audit events not written: ${failed} failed, ${succeeded} succeeded`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  server = await startTestServer({ KEY_ENCRYPTION_KEY: KEK }, { logger: createLogger('trace', logs.stream) });
  await adminFlows();
  await machineFlows();
  await userFlows();
  await registrationFlows();
  await keyMaterial();
  await auditSettled();
}, 120_000);
afterAll(async () => {
  await server?.close();
  embedded?.restore();
}, 60_000);

const expectNoneOf = (dumped: readonly Dumped[]) => expect(occurrences(dumped, secrets)).toEqual([]);

test('the flows saw every kind of secret', () => {
  const labels = [...secrets.keys()].join('\n');
  for (const kind of [
    /^client secret \(created\)$/m,
    /^client secret \(rotated with an overlap\)$/m,
    /^client secret \(rotated again\)$/m,
    /^admin access token$/m,
    /^authorization code$/m,
    /^access token \(code\)$/m,
    /^refresh token \(second rotation\)$/m,
    /^ID token \(first refresh\)$/m,
    /^client_credentials JWT access token/m,
    /^client_credentials opaque access token$/m,
    /^initial access token$/m,
    /^registration access token$/m,
    /^user password$/m,
    /^cookie portcullis\.session #0$/m,
  ]) {
    expect(labels).toMatch(kind);
  }
  expect(secrets.size).toBeGreaterThan(35);
});

test('PostgreSQL: no row of any table holds one of them', async () => {
  const { tables, rows } = await dumpDatabase(server);
  expect(tables).toEqual(expect.arrayContaining(['accounts', 'clients', 'resources', 'signing_keys', 'secrets', 'audit_events']));
  // Not vacuous: the dump has the flows' rows in it.
  const text = rows.map((row) => row.text).join('\n');
  expect(text).toContain(EMAIL);
  expect(text).toContain('vault self-made v2');
  expect(text).toContain('login.succeeded');
  expectNoneOf(rows);
});

test('the artifact store (Redis under the key prefix, or the embedded store): no key or value holds one of them', async () => {
  const dumped = usingRedis
    ? await dumpRedis(server.resources.redisUrl!, `${server.resources.keyPrefix}*`)
    : dumpEmbeddedStores(embedded!.stores);
  const keys = dumped.map((entry) => entry.where).join('\n');
  for (const model of [
    'Session',
    'Grant',
    'RefreshToken',
    'AccessToken',
    'ClientCredentials',
    // Initial access tokens are single-use: the one used here is already gone.
    'RegistrationAccessToken',
  ])
    expect(keys).toContain(`${model}:`);
  expectNoneOf(dumped);
});

(usingRedis ? test : test.skip)('Redis: no key outside the prefix holds one of them either', async () => {
  expectNoneOf(await dumpRedis(server.resources.redisUrl!));
});

test('logs: no line at level trace holds one of them', () => {
  const text = logs.lines.join('\n');
  expect(text).toContain('"path":"/token"');
  expect(text).toContain('"path":"/admin/v1/clients"');
  expect(text).toContain('login failed');
  expect(text).toContain('audit client.secret_rotated');
  expectNoneOf(logs.lines.map((line, index) => ({ where: `log line ${index}: ${line.slice(0, 200)}`, text: line })));
});

// The stored SHA-256 of a client secret is what oidc-provider is given as `client_secret`
// (src/clients/client-record.ts): it must never come back out as the secret, nor stand in for it.
describe('RFC 7592 client configuration endpoint and the stored hash', () => {
  const metadata = { client_name: 'vault 7592', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] };
  let registered: Record<string, string>;
  let storedHash: string;
  /** The registration access token now (it rotates with every update). */
  let management: string;

  const configuration = async (method: 'GET' | 'PUT', body?: Record<string, unknown>) => {
    const response = await fetch(registered.registration_client_uri!, {
      method,
      headers: { authorization: `Bearer ${management}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify({ ...metadata, client_id: registered.client_id, ...body }) : undefined,
    });
    const text = await response.text();
    if (response.ok) management = (JSON.parse(text) as Record<string, string>).registration_access_token ?? management;
    return { status: response.status, text };
  };

  beforeAll(async () => {
    const iat = (await call('POST', '/admin/v1/initial-access-tokens')).body.token as string;
    const response = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${iat}` },
      body: JSON.stringify(metadata),
    });
    expect(response.status).toBe(201);
    registered = (await response.json()) as Record<string, string>;
    management = registered.registration_access_token!;
    storedHash = (await server.services.db.prisma.client.findUniqueOrThrow({ where: { clientId: registered.client_id! } })).secretHash!;
    expect(storedHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a read and an update answer the secret or nothing as client_secret, never its stored hash', async () => {
    for (const answer of [await configuration('GET'), await configuration('PUT', { client_name: 'vault 7592 v2' })]) {
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(storedHash);
      expect([undefined, registered.client_secret]).toContainEqual((JSON.parse(answer.text) as Record<string, unknown>).client_secret);
    }
  });

  test('an update repeating the client secret, as RFC 7592 section 2.2 allows, is accepted', async () => {
    const answer = await configuration('PUT', { client_secret: registered.client_secret, client_name: 'vault 7592 v3' });
    expect(`${answer.status} ${answer.text}`).toMatch(/^200 /);
    // The real secret still authenticates the client.
    expect((await tokenRequest(registered.client_id!, registered.client_secret!, { grant_type: 'client_credentials' })).status).toBe(200);
  });
});
