import { jest } from '@jest/globals';
import type { Browser as Chromium, BrowserContext, Page } from 'playwright-core';
import { Authenticator } from '../support/authenticator.ts';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import {
  authorizationRequest,
  createUser,
  exchange,
  PASSWORD,
  registerClient,
  REDIRECT_URI,
  type RegisteredClient,
} from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The two-step verification pages in a real Chromium, without any script of ours: enrolment on the
 * account page (QR code, key, recovery codes), managing it, the code step at sign-in and the page
 * for an app that asks for two-step verification the account lacks. Every page is screenshotted
 * (screenshots/totp/, wide and light, 390 px and dark) and checked with axe-core: no serious or
 * critical violation (the contexts bypass our CSP only so that axe can be injected).
 */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);

let server: TestServer;
let client: RegisteredClient;
let browser: Chromium;

async function signInWithPassword(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForLoadState();
}

/** A context whose redirects to the client are answered with a stub page; `callback()` is the last one. */
async function clientContext(): Promise<{ context: BrowserContext; page: Page; callback: () => string | undefined }> {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  let callback: string | undefined;
  await page.route(`${REDIRECT_URI}**`, async (route) => {
    callback = route.request().url();
    await route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><html lang="en"><title>callback</title><p>callback received</p></html>',
    });
  });
  return { context, page, callback: () => callback };
}

describeInChromium('two-step verification in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('totp');
    server = await startTestServer({ KEY_ENCRYPTION_KEY: 'totp pages key-encryption key, 32+ characters' });
    client = await registerClient(server, { client_name: 'Chromium Demo', redirect_uris: [REDIRECT_URI], scope: 'openid email profile' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('enrol on the account page, then sign in to an app with a code; every page accessible', async () => {
    await createUser(server, 'chromium.totp@example.com');
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.issuer}/account/security/totp`);
    await signInWithPassword(page, 'chromium.totp@example.com');
    await page.waitForURL(`${server.issuer}/account/security/totp`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set up two-step verification');
    const qr = page.getByRole('img', { name: /QR code/ });
    expect(
      await qr.evaluate((element) => (element as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    expect((await qr.boundingBox())!.width).toBe(200);
    await look(page, '1-enrol');

    const authenticator = new Authenticator((await page.locator('p.key code').textContent())!);
    await page.getByLabel('6-digit code').fill('000000');
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('did not match');
    expect(await page.locator('#code:focus').count()).toBe(1);
    await look(page, '2-enrol-wrong-code');

    await page.getByLabel('6-digit code').fill(await authenticator.code());
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Two-step verification is on');
    expect(await page.locator('ol.codes li').count()).toBe(10);
    await look(page, '3-recovery-codes');
    await page.getByRole('link', { name: /back to my account/ }).click();
    await page.waitForURL(`${server.issuer}/account?done=totp-enrolled`);

    await page.goto(`${server.issuer}/account/security/totp`);
    await look(page, '4-manage');
    await context.close();

    const app = await clientContext();
    const request = await authorizationRequest(client);
    await app.page.goto(request.url.toString());
    await signInWithPassword(app.page, 'chromium.totp@example.com');
    await expect(app.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Two-step verification');
    expect(await app.page.locator('#code:focus').count()).toBe(1);
    await look(app.page, '5-code-step');
    await app.page.getByLabel('Code from your authenticator app').fill('123456');
    await app.page.getByRole('button', { name: 'Verify' }).click();
    await app.page.waitForLoadState();
    await expect(app.page.getByRole('alert').textContent()).resolves.toContain('did not work');
    await look(app.page, '6-code-step-wrong-code');
    await app.page.getByLabel('Code from your authenticator app').fill(await authenticator.code());
    await app.page.getByRole('button', { name: 'Verify' }).click();
    await app.page.waitForLoadState();
    await app.page.getByRole('button', { name: 'Allow' }).click();
    await app.page.waitForURL(`${REDIRECT_URI}**`);
    const claims = (await exchange(client, new URL(app.callback()!), request)).claims()!;
    expect(claims.acr).toBe('mfa');
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
    await app.context.close();
  });

  test('an app that asks for two-step verification, for an account without it: the page says how to set it up', async () => {
    await createUser(server, 'chromium.single@example.com');
    const app = await clientContext();
    await app.page.goto((await authorizationRequest(client, { acr_values: 'mfa' })).url.toString());
    await signInWithPassword(app.page, 'chromium.single@example.com');
    await expect(app.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Turn on two-step verification');
    await look(app.page, '7-mfa-required');
    await app.page.getByRole('link', { name: /security settings/ }).click();
    await app.page.waitForLoadState();
    // The account page signs in first (the password is enough for it), then shows the enrolment.
    await signInWithPassword(app.page, 'chromium.single@example.com');
    await app.page.waitForURL(`${server.issuer}/account/security/totp`);
    await expect(app.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Set up two-step verification');
    await app.context.close();
  });
});
