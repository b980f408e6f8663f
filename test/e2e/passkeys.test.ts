import { jest } from '@jest/globals';
import type { Browser as Chromium, BrowserContext, Page } from 'playwright-core';
import { PAGE_CSP } from '../../src/pages/page-policy.ts';
import { Browser } from '../support/browser.ts';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import { authorizationRequest, createUser, exchange, PASSWORD, REDIRECT_URI, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { VirtualAuthenticator, type VirtualCredential } from '../support/virtual-authenticator.ts';

/**
 * Passkeys in a real Chromium with a virtual authenticator (the DevTools protocol's WebAuthn
 * domain): added from /account (signed in through the login page), named, renamed and removed;
 * used from the login page as the only factor, which counts as multi-factor. Pages are
 * screenshotted into screenshots/passkeys/ (wide light, 390 px dark) and checked with axe-core.
 * The contexts that take screenshots bypass the CSP only so that axe can be injected; the sign-in
 * that proves the page's own CSP lets its scripts run uses a context that does not.
 */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);

const EMAIL = 'passkey.person@example.com';
const PASSKEYS_PAGE = '/account/security/passkeys';

let server: TestServer;
let client: RegisteredClient;
let chromium: Chromium;
let accountId: string;
/** The browser signed in to /account, its first authenticator ("Laptop") replaced by a synced one ("Phone"). */
let accountBrowser: { context: BrowserContext; page: Page; authenticator: VirtualAuthenticator };
let laptop: VirtualCredential;
let phone: VirtualCredential;
/** The body the page posted to …/passkey/verify in a sign-in that succeeded. */
let acceptedAssertion: string;

const callbackPage = '<!doctype html><html lang="en"><title>callback</title><p>callback received</p></html>';

async function signInToAccount(page: Page): Promise<void> {
  await page.goto(`${server.issuer}/account`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${server.issuer}/account`);
}

/** A fresh browser holding only `credential`, on the login page of a new authorization request to `client`. */
async function loginPageWith(credential: VirtualCredential, options: { bypassCSP: boolean }) {
  const context = await chromium.newContext(options);
  const page = await context.newPage();
  const authenticator = await VirtualAuthenticator.attach(context, page);
  await authenticator.add(credential);
  let callback: URL | undefined;
  await page.route(`${REDIRECT_URI}**`, async (route) => {
    callback = new URL(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html', body: callbackPage });
  });
  const request = await authorizationRequest(client);
  const response = await page.goto(request.url.toString());
  await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
  return { context, page, authenticator, request, loginResponse: response, callback: () => callback };
}

/** The credential as the authenticator now holds it (its counter moved on). */
const current = async (authenticator: VirtualAuthenticator, credential: VirtualCredential) =>
  (await authenticator.credentials()).find((held) => held.credentialId === credential.credentialId)!;

async function auditActions(action: string): Promise<Array<Record<string, unknown> | null>> {
  // Written in the background: give it a moment.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const { items } = await server.services.audit.page({ limit: 50 }, { action });
    if (items.length > 0) return items.map((item) => item.detail);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

describeInChromium('passkeys in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('passkeys');
    // Chromium refuses an IP address as a WebAuthn RP ID: this issuer is http://localhost:<port>.
    server = await startTestServer({}, { issuerHost: 'localhost' });
    client = await registerClient(server, { client_name: 'Passkey Demo', redirect_uris: [REDIRECT_URI], scope: 'openid email profile' });
    accountId = (await createUser(server, EMAIL)).id;
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await accountBrowser?.context.close();
    await chromium?.close();
    await server?.close();
  });

  test('two named passkeys are added from the account page, each device once', async () => {
    const context = await chromium.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const authenticator = await VirtualAuthenticator.attach(context, page);
    accountBrowser = { context, page, authenticator };
    await signInToAccount(page);
    await page.getByRole('link', { name: 'Manage passkeys' }).click();
    await page.waitForURL(`${server.issuer}${PASSKEYS_PAGE}`);
    await expect(page.getByText('You have no passkeys yet.').isVisible()).resolves.toBe(true);
    await look(page, '1-no-passkeys');

    await page.getByLabel('Name', { exact: true }).fill('Laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`**${PASSKEYS_PAGE}?done=added`);
    await expect(page.getByRole('status').textContent()).resolves.toBe('Passkey added.');
    await expect(page.locator('.passkey-name').allTextContents()).resolves.toEqual(['Laptop']);
    await look(page, '2-passkey-added');

    // The same device again: excludeCredentials makes the authenticator refuse.
    await page.getByLabel('Name', { exact: true }).fill('Laptop again');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('This device already holds a passkey for your account.');
    await look(page, '3-device-already-has-one');
    laptop = (await authenticator.credentials())[0]!;
    expect(laptop.isResidentCredential).toBe(true);

    await authenticator.replace({ synced: true });
    await page.getByLabel('Name', { exact: true }).fill('Phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    // Already at ?done=added: the second item is what shows the page has come back.
    await page.locator('.passkey-name').nth(1).waitFor();
    await expect(page.locator('.passkey-name').allTextContents()).resolves.toEqual(['Laptop', 'Phone']);
    phone = (await authenticator.credentials())[0]!;

    const phoneItem = page.locator('ul.passkeys > li', { hasText: 'Phone' });
    await phoneItem.locator('summary').click();
    await phoneItem.getByLabel('New name').fill('Synced phone');
    await phoneItem.getByRole('button', { name: 'Save name' }).click();
    await page.waitForURL(`**${PASSKEYS_PAGE}?done=renamed`);
    await expect(page.locator('.passkey-name').allTextContents()).resolves.toEqual(['Laptop', 'Synced phone']);
    await page.locator('ul.passkeys > li', { hasText: 'Laptop' }).locator('summary').click();
    await look(page, '4-two-passkeys-one-being-renamed');

    const stored = await server.services.passkeys.list(accountId);
    expect(stored.map(({ name, lastUsedAt }) => ({ name, lastUsedAt }))).toEqual([
      { name: 'Laptop', lastUsedAt: null },
      { name: 'Synced phone', lastUsedAt: null },
    ]);
    expect((await auditActions('user.passkey_added')).map((detail) => detail?.name).sort()).toEqual(['Laptop', 'Phone']);

    await page.goto(`${server.issuer}/account`);
    await expect(page.locator('#security').textContent()).resolves.toContain('Synced phone');
  });

  test('a passkey alone signs in to an app, under the page\'s own CSP: amr hwk, acr mfa', async () => {
    const login = await loginPageWith(laptop, { bypassCSP: false });
    const csp = login.loginResponse!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    await login.page.getByRole('button', { name: 'Use a passkey' }).click();
    await login.page.getByRole('button', { name: 'Allow' }).click();
    await login.page.waitForURL(`${REDIRECT_URI}**`);
    const tokens = await exchange(client, login.callback()!, login.request);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(accountId);
    expect(claims.amr).toEqual(expect.arrayContaining(['hwk', 'user', 'mfa']));
    expect(claims.acr).toBe('mfa');
    laptop = await current(login.authenticator, laptop);
    await login.context.close();

    const signIns = await auditActions('login.succeeded');
    expect(signIns).toContainEqual(expect.objectContaining({ method: 'passkey' }));
    expect((await server.services.passkeys.list(accountId)).find((passkey) => passkey.name === 'Laptop')?.lastUsedAt).toBeInstanceOf(Date);
  });

  test('a synced passkey signs in as a software key (amr swk), and the login page is accessible', async () => {
    const login = await loginPageWith(phone, { bypassCSP: true });
    await look(login.page, '5-login-with-passkey-button');
    login.page.on('request', (request) => {
      if (request.url().endsWith('/passkey/verify')) acceptedAssertion = request.postData()!;
    });
    await login.page.getByRole('button', { name: 'Use a passkey' }).click();
    await login.page.getByRole('button', { name: 'Allow' }).click();
    await login.page.waitForURL(`${REDIRECT_URI}**`);
    const claims = (await exchange(client, login.callback()!, login.request)).claims()!;
    expect(claims.amr).toEqual(expect.arrayContaining(['swk', 'user', 'mfa']));
    expect(claims.amr).not.toContain('hwk');
    expect(claims.acr).toBe('mfa');
    phone = await current(login.authenticator, phone);
    await login.context.close();
  });

  test('an altered assertion is refused and says so on the page', async () => {
    const login = await loginPageWith(phone, { bypassCSP: true });
    await login.page.route('**/passkey/verify', async (route) => {
      const body = JSON.parse(route.request().postData()!) as { response: { response: { signature: string } } };
      const signature = Buffer.from(body.response.response.signature, 'base64url');
      signature[signature.length - 1]! ^= 0x01;
      body.response.response.signature = signature.toString('base64url');
      await route.continue({ postData: JSON.stringify(body) });
    });
    const verified = login.page.waitForResponse('**/passkey/verify');
    await login.page.getByRole('button', { name: 'Use a passkey' }).click();
    expect((await verified).status()).toBe(401);
    await expect(login.page.getByRole('alert').textContent()).resolves.toMatch(/could not sign you in/);
    await look(login.page, '6-login-passkey-refused');
    phone = await current(login.authenticator, phone);
    await login.context.close();
    expect(await auditActions('login.failed')).toContainEqual(expect.objectContaining({ reason: 'passkey', method: 'passkey' }));
  });

  test('a captured assertion cannot be replayed, in another sign-in or without the CSRF header', async () => {
    expect(acceptedAssertion).toBeDefined();
    const browser = new Browser();
    const login = await browser.follow((await authorizationRequest(client)).url.toString());
    const verify = /data-verify="([^"]+)"/.exec(login.html)![1]!;
    const csrf = /data-csrf="([^"]+)"/.exec(login.html)![1]!;
    const post = (headers: Record<string, string>) =>
      fetch(`${server.issuer}${verify}`, { method: 'POST', headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', ...headers }, body: acceptedAssertion });
    const withoutCsrf = await post({});
    expect(withoutCsrf.status).toBe(403);
    const replayed = await post({ 'x-csrf-token': csrf });
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as { error: string }).error).toMatch(/expired/);
    expect(replayed.headers.get('cache-control')).toBe('no-store');
  });

  test('a removed passkey no longer signs in', async () => {
    const { page } = accountBrowser;
    await page.goto(`${server.issuer}${PASSKEYS_PAGE}`);
    await page.getByRole('button', { name: 'Remove Laptop' }).click();
    await page.waitForURL(`**${PASSKEYS_PAGE}?done=removed`);
    await expect(page.locator('.passkey-name').allTextContents()).resolves.toEqual(['Synced phone']);
    await look(page, '7-passkey-removed');
    expect(await auditActions('user.passkey_removed')).toEqual([expect.objectContaining({ name: 'Laptop' })]);

    const login = await loginPageWith(laptop, { bypassCSP: true });
    await login.page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect(login.page.getByRole('alert').textContent()).resolves.toMatch(/not registered here/);
    expect(login.page.url()).toContain('/interaction/');
    await login.context.close();
  });

  test('a disabled account cannot sign in with its passkey', async () => {
    await server.services.accounts.setDisabled(accountId, true);
    try {
      const login = await loginPageWith(phone, { bypassCSP: true });
      await login.page.getByRole('button', { name: 'Use a passkey' }).click();
      await expect(login.page.getByRole('alert').textContent()).resolves.toMatch(/could not sign you in/);
      phone = await current(login.authenticator, phone);
      await login.context.close();
    } finally {
      await server.services.accounts.setDisabled(accountId, false);
    }
  });

  test('a self-service account whose address is unconfirmed cannot sign in with its passkey either', async () => {
    await server.services.db.prisma.account.update({ where: { id: accountId }, data: { signedUpAt: new Date() } });
    await server.services.accounts.update(accountId, { emailVerified: false });
    try {
      const login = await loginPageWith(phone, { bypassCSP: true });
      const verified = login.page.waitForResponse('**/passkey/verify');
      await login.page.getByRole('button', { name: 'Use a passkey' }).click();
      expect((await verified).status()).toBe(403);
      await expect(login.page.getByRole('alert').textContent()).resolves.toMatch(/Confirm your email address first/);
      await login.context.close();
    } finally {
      await server.services.accounts.update(accountId, { emailVerified: true });
    }
  });
});

describe('passkey endpoints over plain HTTP', () => {
  let plain: TestServer;
  let plainClient: RegisteredClient;

  beforeAll(async () => {
    plain = await startTestServer({ LOGIN_MAX_FAILURES_PER_ADDRESS: '2' });
    plainClient = await registerClient(plain, { client_name: 'Plain Demo', redirect_uris: [REDIRECT_URI], scope: 'openid' });
  });
  afterAll(() => plain?.close());

  async function loginPage() {
    const browser = new Browser();
    const page = await browser.follow((await authorizationRequest(plainClient)).url.toString());
    const attribute = (name: string) => new RegExp(`data-${name}="([^"]+)"`).exec(page.html)![1]!;
    const post = (path: string, body: unknown, csrf = attribute('csrf')) =>
      fetch(`${plain.issuer}${path}`, { method: 'POST', headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
    return { page, options: attribute('options'), verify: attribute('verify'), post };
  }

  test('without JavaScript the login page is the password form; the passkey button is hidden and its scripts are our own', async () => {
    const { page } = await loginPage();
    // The page CSP, plus exactly our own scripts and requests back to us.
    expect(page.headers.get('content-security-policy')).toBe(`${PAGE_CSP}; script-src 'self'; connect-src 'self'`);
    expect(page.html).toMatch(/<div id="passkey-sign-in" hidden /);
    expect(Browser.forms(page).some((form) => form.action.endsWith('/login'))).toBe(true);
    const scripts = [...page.html.matchAll(/<script src="([^"]+)"/g)].map(([, src]) => src!);
    expect(scripts.map((src) => src.split('?')[0])).toEqual(['/assets/webauthn.js', '/assets/passkeys.js']);
    expect(page.html).not.toMatch(/<script>|\son[a-z]+="/);
    for (const src of scripts) {
      const script = await fetch(`${plain.issuer}${src}`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await script.text()).length).toBeGreaterThan(500);
    }
  });

  test('options are discoverable-credential options bound to the sign-in, for the issuer\'s host', async () => {
    const { options, post } = await loginPage();
    const answer = await post(options, {});
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const body = (await answer.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ rpId: '127.0.0.1', userVerification: 'required' });
    expect(body.allowCredentials ?? []).toEqual([]);
    expect(typeof body.challenge).toBe('string');
    expect((await post(options, {}, 'not-the-token')).status).toBe(403);
  });

  test('failed passkey sign-ins are throttled per address', async () => {
    const { options, verify, post } = await loginPage();
    const { challenge } = (await (await post(options, {})).json()) as { challenge: string };
    const forged = {
      response: {
        id: 'AAAA',
        rawId: 'AAAA',
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin: plain.issuer })).toString('base64url'),
          authenticatorData: 'AAAA',
          signature: 'AAAA',
        },
      },
    };
    expect((await post(verify, forged)).status).toBe(401);
    expect((await post(verify, { response: 'nonsense' })).status).toBe(401);
    const refused = await post(verify, forged);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toMatch(/Too many failed attempts/);
    // Password sign-ins count failures of their own: the password form still answers.
    const { page } = await loginPage();
    expect(page.status).toBe(200);
  });

  test('a body too large is refused before anything is checked', async () => {
    const { verify, post } = await loginPage();
    expect((await post(verify, { padding: 'x'.repeat(40_000) })).status).toBe(413);
  });

  test('a POST that is not JSON is refused (415)', async () => {
    const browser = new Browser();
    const page = await browser.follow((await authorizationRequest(plainClient)).url.toString());
    const verify = /data-verify="([^"]+)"/.exec(page.html)![1]!;
    const csrf = /data-csrf="([^"]+)"/.exec(page.html)![1]!;
    const answer = await fetch(`${plain.issuer}${verify}`, { method: 'POST', headers: { cookie: browser.cookieHeader(), 'content-type': 'text/plain', 'x-csrf-token': csrf }, body: '{"response":{}}' });
    expect(answer.status).toBe(415);
  });
});
