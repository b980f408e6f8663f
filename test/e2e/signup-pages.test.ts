import { jest } from '@jest/globals';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import { authorizationRequest, exchange, registerClient, REDIRECT_URI, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

/**
 * The self-service pages in a real Chromium: a person signs up, reads the mail, confirms, allows and
 * the app gets its code; another resets a forgotten password. Every page is screenshotted (screenshots/signup/, wide and 390 px, light and
 * dark) and checked with axe-core: no serious or critical violation (the contexts bypass our CSP
 * only so that axe can be injected).
 */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);

let smtp: TestSmtp;
let server: TestServer;
let client: RegisteredClient;
let browser: Chromium;

describeInChromium('sign-up in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('signup');
    smtp = await startTestSmtp();
    server = await startTestServer({ SMTP_URL: smtp.url });
    client = await registerClient(server, { client_name: 'Chromium Demo', redirect_uris: [REDIRECT_URI], scope: 'openid email profile' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  test('sign-up → mail → confirm → consent → code, every page accessible', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    let callback: string | undefined;
    await page.route(`${REDIRECT_URI}**`, async (route) => {
      callback = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><title>callback</title><p>callback received</p></html>' });
    });
    const request = await authorizationRequest(client);
    await page.goto(request.url.toString());
    await look(page, '1-login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForLoadState();
    await look(page, '2-signup');

    await page.getByLabel('Email').fill('chromium.user@example.com');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('at least 15 characters');
    expect(await page.locator('#password:focus').count()).toBe(1);
    await look(page, '3-signup-weak-password');

    await page.getByLabel('Name').fill('Chromium User');
    await page.getByLabel('Password').fill('seven quiet lanterns over the bay');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Check your email');
    await look(page, '4-check-email');

    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('chromium.user@example.com'), 5000);
    await page.goto(linkIn(mail));
    await page.waitForLoadState();
    await look(page, '5-consent-after-confirming');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    const tokens = await exchange(client, new URL(callback!), request);
    expect(tokens.claims()!.sub).toBe((await server.services.accounts.resolve('chromium.user@example.com')).id);
    await context.close();
  });

  test('a second browser sees "confirmed", and an unconfirmed account is asked to confirm first', async () => {
    const signingUp = await browser.newContext({ bypassCSP: true });
    const first = await signingUp.newPage();
    await first.goto((await authorizationRequest(client, { prompt: 'create' })).url.toString());
    await first.getByLabel('Email').fill('second.browser@example.com');
    await first.getByLabel('Password').fill('paper boats on a slow river');
    await first.getByRole('button', { name: 'Create account' }).click();
    await first.waitForLoadState();
    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('second.browser@example.com'), 5000);

    const other = await browser.newContext({ bypassCSP: true });
    const page = await other.newPage();
    await page.goto((await authorizationRequest(client)).url.toString());
    await page.getByLabel('Email').fill('second.browser@example.com');
    await page.getByLabel('Password').fill('paper boats on a slow river');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
    await look(page, '6-verify-pending');

    await page.goto(linkIn(mail));
    await page.waitForLoadState();
    await look(page, '7-email-confirm');
    await page.getByRole('button', { name: 'Yes, confirm my address' }).click();
    await page.waitForLoadState();
    await expect(page.locator('main').textContent()).resolves.toMatch(/sign in now/i);
    await look(page, '7-email-verified-after-button');
    await signingUp.close();
    await other.close();
  });

  test('forgot password → mail → a new password, every page accessible', async () => {
    await server.services.accounts.register({ email: 'forgetful@example.com', password: 'an old and tired passphrase', emailVerified: true });
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto((await authorizationRequest(client)).url.toString());
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForLoadState();
    await look(page, '8-password-reset');
    await page.getByLabel('Email').fill('forgetful@example.com');
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.waitForLoadState();
    await look(page, '9-password-reset-sent');
    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('forgetful@example.com'), 5000);
    await page.goto(linkIn(mail));
    await look(page, '10-password-choose');
    await page.getByLabel('New password').fill('a brighter and newer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Password changed');
    await look(page, '11-password-changed');
    expect(await server.services.accounts.authenticate('forgetful@example.com', 'a brighter and newer passphrase')).not.toBeNull();
    await context.close();
  });
});
