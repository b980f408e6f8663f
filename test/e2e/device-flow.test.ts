import * as oidc from 'openid-client';
import { Browser, type Page } from '../support/browser.ts';
import { createUser, PASSWORD, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The device authorization grant (RFC 8628) with openid-client as the device: the person opens
 * `verification_uri(_complete)` in a browser (the fetch-based one), enters or checks the code,
 * confirms, signs in and allows; the device polls until it gets tokens or an answer that says why not.
 */
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const EMAIL = 'tv.viewer@example.com';
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

const deviceClientMetadata = {
  client_name: 'Living Room TV',
  grant_types: [DEVICE_GRANT, 'refresh_token'],
  token_endpoint_auth_method: 'none',
  redirect_uris: [],
  response_types: [],
  scope: 'openid email profile offline_access',
};

/** One poll of the token endpoint, as the device makes it. */
async function poll(server: TestServer, client: RegisteredClient, deviceCode: string) {
  const response = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: client.clientId }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; access_token?: string } };
}

async function auditEvents(server: TestServer, action: string, count = 1) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { items } = await server.services.audit.page({ limit: 50 }, { action });
    if (items.length >= count || Date.now() > deadline) return items;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectPageHeaders(page: Page) {
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
  expect(page.headers.get('content-security-policy')).not.toContain('script-src');
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.html).not.toMatch(/<script/i);
}

/** From the confirm page's Allow through login to the page the flow ends on: the confirm page was the consent. */
async function allowAndSignIn(browser: Browser, confirm: Page): Promise<Page> {
  let page = await browser.submit(confirm, /\/device$/, { confirm: 'yes' });
  if (Browser.forms(page).some((form) => /\/login$/.test(form.action))) page = await browser.submit(page, /\/login$/, { email: EMAIL, password: PASSWORD });
  expect(Browser.forms(page).some((form) => /\/confirm$/.test(form.action))).toBe(false);
  return page;
}

describe('device flow', () => {
  let server: TestServer;
  let tv: RegisteredClient;
  let web: RegisteredClient;
  let accountId: string;

  beforeAll(async () => {
    server = await startTestServer({ DEVICE_POLL_INTERVAL: '1' });
    tv = await registerClient(server, deviceClientMetadata);
    web = await registerClient(server, { client_name: 'Web App', scope: 'openid email' });
    accountId = (await createUser(server, EMAIL)).id;
  });
  afterAll(async () => {
    await server?.close();
  });

  test('discovery names the device authorization endpoint', async () => {
    const metadata = tv.config.serverMetadata();
    expect(metadata.device_authorization_endpoint).toBe(`${server.issuer}/device/auth`);
    expect(metadata.grant_types_supported).toContain(DEVICE_GRANT);
  });

  test('verification_uri_complete → code filled in → confirm → sign in → allow → polling gets tokens', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid email offline_access' });
    expect(authorization.user_code).toMatch(USER_CODE);
    expect(authorization.verification_uri).toBe(`${server.issuer}/device`);
    expect(authorization.verification_uri_complete).toBe(`${server.issuer}/device?user_code=${authorization.user_code}`);
    expect(authorization.expires_in).toBe(600);
    expect(authorization.interval).toBe(1);

    const browser = new Browser();
    const codePage = await browser.follow(authorization.verification_uri_complete!);
    expect(codePage.status).toBe(200);
    expectPageHeaders(codePage);
    expect(codePage.html).toContain('Check that this is the code shown on your device');
    const [form] = Browser.forms(codePage);
    expect(form).toMatchObject({ action: `${server.issuer}/device`, method: 'POST', fields: { user_code: authorization.user_code } });
    expect(form!.fields.xsrf).toMatch(/^[0-9a-f]{48}$/);

    const confirm = await browser.submit(codePage, /\/device$/);
    expect(confirm.status).toBe(200);
    expectPageHeaders(confirm);
    expect(confirm.html).toContain('Connect Living Room TV?');
    expect(confirm.html).toContain(authorization.user_code);
    expect(confirm.html).toContain('Confirm your identity');
    expect(confirm.html).toContain('See your email address');
    expect(confirm.html).toContain('Stay signed in and act for you while you are away');
    expect(confirm.html).toMatch(/name="abort" value="yes"[^>]*>Deny</);

    const done = await allowAndSignIn(browser, confirm);
    expect(done.status).toBe(200);
    expectPageHeaders(done);
    expect(done.html).toContain('Your device is connected');
    expect(done.html).toContain(EMAIL);

    const tokens = await oidc.pollDeviceAuthorizationGrant(tv.config, authorization);
    expect(tokens.claims()!.sub).toBe(accountId);
    expect(tokens.refresh_token).toBeDefined();
    expect((await oidc.fetchUserInfo(tv.config, tokens.access_token, accountId)).email).toBe(EMAIL);
    // The device code is spent: polling again (at the interval) gives nothing more.
    await sleep(1100);
    expect((await poll(server, tv, authorization.device_code)).body.error).toBe('invalid_grant');

    expect(await auditEvents(server, 'device.code_entered')).toEqual([expect.objectContaining({ actor: 'anonymous', target: tv.clientId, address: '127.0.0.1', outcome: 'success' })]);
    expect(await auditEvents(server, 'device.approved')).toEqual([expect.objectContaining({ actor: `user:${accountId}`, target: accountId, detail: { client_id: tv.clientId } })]);
  });

  test('a signed-in browser confirms without signing in again, and a code typed in lower case with a space works', async () => {
    const browser = new Browser();
    const first = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const firstCode = await browser.follow(first.verification_uri_complete!);
    await allowAndSignIn(browser, await browser.submit(firstCode, /\/device$/));
    await oidc.pollDeviceAuthorizationGrant(tv.config, first);

    const second = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const empty = await browser.follow(second.verification_uri);
    expect(Browser.forms(empty)[0]!.fields.user_code).toBe('');
    expect(empty.html).toContain('Enter the code shown on your device');
    const confirm = await browser.submit(empty, /\/device$/, { user_code: ` ${second.user_code.toLowerCase().replace('-', ' ')} ` });
    expect(confirm.html).toContain(second.user_code);
    const done = await browser.submit(confirm, /\/device$/, { confirm: 'yes' });
    expect(done.html).toContain('Your device is connected');
    expect((await oidc.pollDeviceAuthorizationGrant(tv.config, second)).claims()!.sub).toBe(accountId);
  });

  test('Deny on the confirm page: the device gets access_denied', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const browser = new Browser();
    const confirm = await browser.submit(await browser.follow(authorization.verification_uri), /\/device$/, { user_code: authorization.user_code });
    const denied = await browser.submit(confirm, /\/device$/, { abort: 'yes' });
    expect(denied.status).toBe(200);
    expectPageHeaders(denied);
    expect(denied.html).toContain('Request denied');
    expect(denied.html).toContain('Living Room TV');
    await expect(oidc.pollDeviceAuthorizationGrant(tv.config, authorization)).rejects.toMatchObject({ error: 'access_denied' });
    expect(await auditEvents(server, 'device.denied')).toEqual([expect.objectContaining({ actor: 'anonymous', target: tv.clientId })]);
  });

  test('Cancel at the sign-in page denies too', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const browser = new Browser();
    const confirm = await browser.submit(await browser.follow(authorization.verification_uri_complete!), /\/device$/);
    const login = await browser.submit(confirm, /\/device$/, { confirm: 'yes' });
    expect(login.html).toContain('Living Room TV');
    const denied = await browser.submit(login, /\/abort$/);
    expect(denied.html).toContain('Request denied');
    expect((await poll(server, tv, authorization.device_code)).body.error).toBe('access_denied');
  });

  test('before approval: authorization_pending; polling faster than the interval: slow_down', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    expect(await poll(server, tv, authorization.device_code)).toEqual({ status: 400, body: expect.objectContaining({ error: 'authorization_pending' }) });
    expect(await poll(server, tv, authorization.device_code)).toEqual({ status: 400, body: expect.objectContaining({ error: 'slow_down' }) });
    await sleep(1100);
    expect((await poll(server, tv, authorization.device_code)).body.error).toBe('authorization_pending');
  });

  test('a wrong code shows the form again with an error (400); values are escaped; a stale form is not a 500', async () => {
    const browser = new Browser();
    const page = await browser.follow(`${server.issuer}/device`);
    const wrong = await browser.submit(page, /\/device$/, { user_code: 'BCDF-GHJK' });
    expect(wrong.status).toBe(400);
    expectPageHeaders(wrong);
    expect(wrong.html).toContain('That code is not right');
    expect(wrong.html).toContain('role="alert"');
    expect(Browser.forms(wrong)[0]!.fields.user_code).toBe('BCDF-GHJK');

    const hostile = await browser.follow(`${server.issuer}/device?user_code=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(hostile.status).toBe(200);
    expect(hostile.html).toContain('&quot;&gt;&lt;script&gt;');
    expect(hostile.html).not.toMatch(/<script/i);

    const stale = await browser.request(`${server.issuer}/device`, { form: { xsrf: 'not-the-token', user_code: 'BCDF-GHJK' } });
    expect(stale.status).toBe(400);
    expect(stale.html).toContain('This page had expired');
    expect(await auditEvents(server, 'device.code_rejected')).toHaveLength(1);
  });

  test('a client without the device grant is refused: unauthorized_client', async () => {
    await expect(oidc.initiateDeviceAuthorization(web.config, { scope: 'openid' })).rejects.toMatchObject({ error: 'unauthorized_client' });
    const tvCode = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const response = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${web.clientId}:${web.clientSecret!}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: DEVICE_GRANT, device_code: tvCode.device_code }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('unauthorized_client');
  });
});

describe('short-lived device codes and the limits', () => {
  let server: TestServer;
  let tv: RegisteredClient;

  beforeAll(async () => {
    server = await startTestServer({ DEVICE_CODE_TTL: '2', DEVICE_CODE_RATE_LIMIT: '3', DEVICE_POLL_INTERVAL: '1', AUTHORIZATION_RATE_LIMIT: '5' });
    tv = await registerClient(server, deviceClientMetadata);
  });
  afterAll(async () => {
    await server?.close();
  });

  test('an expired device code gives expired_token', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    expect(authorization.expires_in).toBe(2);
    await sleep(2500);
    expect(await poll(server, tv, authorization.device_code)).toEqual({ status: 400, body: expect.objectContaining({ error: 'expired_token' }) });
    // A device code never issued stays invalid_grant.
    expect((await poll(server, tv, 'not-a-device-code')).body.error).toBe('invalid_grant');
  });

  test('wrong codes are limited per address: then 429 with Retry-After and a page, even for a right code', async () => {
    const browser = new Browser();
    let page = await browser.follow(`${server.issuer}/device`);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      page = await browser.submit(page, /\/device$/, { user_code: 'BCDF-GHJK' });
      expect(page.status).toBe(400);
    }
    const refused = await browser.submit(page, /\/device$/, { user_code: 'BCDF-GHJK' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(600);
    expectPageHeaders(refused);
    expect(refused.html).toContain('Too many wrong codes');
    // Shared through Redis when there is one, so that every instance sees the same count.
    const redis = server.services.store.redis;
    if (redis) expect(await redis.keys(`${server.resources.keyPrefix}device-wrong-codes-per-address*`)).toHaveLength(1);

    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const other = new Browser();
    const right = await other.submit(await other.follow(authorization.verification_uri), /\/device$/, { user_code: authorization.user_code });
    expect(right.status).toBe(429);
    expect(await auditEvents(server, 'device.code_rejected', 3)).toHaveLength(3);
    expect((await auditEvents(server, 'device.code_throttled', 2)).length).toBeGreaterThanOrEqual(2);
  });

  test('device authorization requests are limited per address as authorization requests are (each one stores a code)', async () => {
    const request = () =>
      fetch(`${server.issuer}/device/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ client_id: tv.clientId, scope: 'openid' }) });
    let response = await request();
    for (let sent = 1; response.status === 200 && sent < 10; sent += 1) response = await request();
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});

describe('DEVICE_FLOW=off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DEVICE_FLOW: 'off' });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('no device authorization endpoint and no code page', async () => {
    const discovery = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.device_authorization_endpoint).toBeUndefined();
    expect((await fetch(`${server.issuer}/device`)).status).toBe(404);
    await expect(server.services.clients.create({ client_name: 'TV', grant_types: [DEVICE_GRANT], token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [] })).rejects.toThrow(/grant_types/);
  });
});
