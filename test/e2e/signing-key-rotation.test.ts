import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import {
  authorizationRequest,
  createUser,
  exchange,
  isCallback,
  PASSWORD,
  registerClient,
  type RegisteredClient,
} from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const API = 'https://api.rotation.test';
let server: TestServer;
let worker: RegisteredClient;
let web: RegisteredClient;

beforeAll(async () => {
  server = await startTestServer({ ID_TOKEN_TTL: '300', ACCESS_TOKEN_TTL: '200', CLIENT_CREDENTIALS_TTL: '100' });
  await server.services.resources.create({ identifier: API, scopes: ['api:read'], accessTokenTtl: 900 });
  worker = await registerClient(server, {
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: 'api:read',
    audience: [API],
  });
  web = await registerClient(server, { grant_types: ['authorization_code'] });
  await createUser(server, 'rotating@example.com');
});
afterAll(() => server.close());

const apiToken = async () => (await oidc.clientCredentialsGrant(worker.config, { resource: API, scope: 'api:read' })).access_token;
const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
const publishedKids = async () =>
  ((await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
const verifyAtJwksUri = (jwt: string) => jwtVerify(jwt, createRemoteJWKSet(new URL(`${server.issuer}/jwks`)), { issuer: server.issuer });

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > withinMs) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - started;
}

describe('signing keys rotated without a restart', () => {
  let before: string;
  let rotated: Awaited<ReturnType<TestServer['services']['signingKeys']['rotate']>>;

  test('after rotate, the server signs JWT access tokens with the new key at once', async () => {
    before = await apiToken();
    rotated = await server.services.signingKeys.rotate();
    const newRsa = rotated.activated.find((view) => view.alg === 'RS256')!;
    expect(kidOf(await apiToken())).toBe(newRsa.kid);
    expect(rotated.retired.map((view) => view.kid)).toContain(kidOf(before));
  });

  test("the retired key stays published after the current ones until the longest token lifetime (the resource's 900 s) plus a margin", async () => {
    expect(await publishedKids()).toEqual([...rotated.activated, ...rotated.retired].map((view) => view.kid));
    const retired = rotated.retired[0]!;
    const publishedFor = Date.parse(retired.published_until!) - Date.parse(retired.retired_at!);
    expect(publishedFor).toBe((900 + 120) * 1000);
  });

  test('a token signed before the rotation still verifies at jwks_uri and introspects active', async () => {
    await expect(verifyAtJwksUri(before)).resolves.toMatchObject({ payload: { aud: API } });
    expect(await oidc.tokenIntrospection(worker.config, before)).toMatchObject({ active: true, aud: API });
  });

  test('a sign-in started before a rotation finishes after it, and its ID token is signed with the new key', async () => {
    const browser = new Browser();
    const request = await authorizationRequest(web, { scope: 'openid' });
    const login = await browser.follow(request.url.toString(), isCallback);
    const again = await server.services.signingKeys.rotate();
    const consent = await browser.submit(login, /\/login$/, { email: 'rotating@example.com', password: PASSWORD }, isCallback);
    const callback = new URL(isCallback(consent.url) ? consent.url : (await browser.submit(consent, /\/confirm$/, {}, isCallback)).url);
    const tokens = await exchange(web, callback, request);
    expect(kidOf(tokens.id_token!)).toBe(again.activated.find((view) => view.alg === 'RS256')!.kid);
    await expect(verifyAtJwksUri(tokens.id_token!)).resolves.toBeDefined();
  });

  test('once published_until has passed the retired keys leave jwks_uri and are deleted; tokens they signed no longer verify', async () => {
    const current = (await server.services.signingKeys.list()).filter((view) => view.status === 'current').map((view) => view.kid);
    await server.services.db.sql.exec(
      `UPDATE signing_keys SET published_until = timezone('UTC', now()) - interval '1 second' WHERE status = 'retired'`,
    );
    await eventually(async () => (await publishedKids()).length === 2, 10_000);
    expect(await publishedKids()).toEqual(current);
    await eventually(async () => (await server.services.signingKeys.list()).every((view) => view.status === 'current'), 10_000);
    await expect(verifyAtJwksUri(before)).rejects.toThrow();
  });
});

describe('automatic rotation on a running server (SIGNING_KEY_ROTATION_DAYS=1: 12 h lead)', () => {
  const SERVICE_API = 'https://api.automatic.test';
  let automatic: TestServer;
  let client: RegisteredClient;
  beforeAll(async () => {
    automatic = await startTestServer({ SIGNING_KEY_ROTATION_DAYS: '1' });
    await automatic.services.resources.create({ identifier: SERVICE_API, scopes: ['auto:read'] });
    client = await registerClient(automatic, {
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'auto:read',
      audience: [SERVICE_API],
    });
  });
  afterAll(() => automatic.close());

  const sql = (statement: string) => automatic.services.db.sql.exec(statement);
  const keysAt = async () =>
    ((await (await fetch(`${automatic.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
  const statuses = async () => (await automatic.services.signingKeys.list()).map((view) => `${view.status} ${view.alg}`);
  const signingKid = async () =>
    kidOf((await oidc.clientCredentialsGrant(client.config, { resource: SERVICE_API, scope: 'auto:read' })).access_token);

  test('the next keys are published after the current ones ahead of time, then promoted, with no restart', async () => {
    const first = await keysAt();
    // 11 hours before the rotation age: inside the lead, so next keys are made and published.
    await sql(`UPDATE signing_keys SET activated_at = timezone('UTC', now()) - interval '13 hours' WHERE status = 'current'`);
    await eventually(async () => (await keysAt()).length === 4, 10_000);
    expect(await statuses()).toEqual(['current RS256', 'current ES256', 'next RS256', 'next ES256']);
    const published = await keysAt();
    expect(published.slice(0, 2)).toEqual(first);
    expect(await signingKid()).toBe(first[0]);

    // The rotation age is reached and the next keys have been published for the whole lead.
    await sql(`UPDATE signing_keys SET activated_at = timezone('UTC', now()) - interval '25 hours' WHERE status = 'current'`);
    await sql(`UPDATE signing_keys SET created_at = timezone('UTC', now()) - interval '13 hours' WHERE status = 'next'`);
    await eventually(async () => (await keysAt()).join() === [...published.slice(2), ...first].join(), 10_000);
    expect(await statuses()).toEqual(['current RS256', 'current ES256', 'retired RS256', 'retired ES256']);
    expect(await signingKid()).toBe(published[2]);
  });
});
