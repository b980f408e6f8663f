import { jest } from '@jest/globals';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, PASSWORD, registerClient, signIn } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../support/smtp.ts';

/** The account page in a real Chromium: every page screenshotted wide and at 390 px in dark mode, and checked with axe-core. */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);

let smtp: TestSmtp;
let server: TestServer;
let chromium: Chromium;

describeInChromium('the account page in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('account');
    smtp = await startTestSmtp();
    server = await startTestServer({ SMTP_URL: smtp.url });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
    await smtp?.close();
  });

  test('sign in, the overview with a connected app, a refused change, email change, delete', async () => {
    await createUser(server, 'chromium.account@example.com');
    const app = await registerClient(server, { client_name: 'Recipe Box', scope: 'openid email profile offline_access', grant_types: ['authorization_code', 'refresh_token'] });
    await signIn(new Browser(), await authorizationRequest(app, { scope: 'openid email offline_access' }), 'chromium.account@example.com');

    const context = await chromium.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.issuer}/account`);
    await page.getByLabel('Email').fill('chromium.account@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.issuer}/account`);
    await expect(page.getByRole('heading', { name: 'Your account', exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Recipe Box').isVisible()).resolves.toBe(true);
    await look(page, '1-overview');

    await page.locator('#current-password').fill('this is not the password');
    await page.getByLabel('New password').fill('amber gulls circle the old lighthouse');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That is not your current password.');
    expect(await page.locator('#current-password:focus').count()).toBe(1);
    await look(page, '2-wrong-password');

    await page.getByLabel('New email address').fill('chromium.moved@example.com');
    await page.locator('#email-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Send a confirmation link' }).click();
    await page.waitForLoadState();
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('We sent a link');
    const mail = await smtp.waitForMail((candidate) => JSON.stringify(candidate.to).includes('chromium.moved@example.com'), 5000);
    await page.goto(linkIn(mail));
    await look(page, '3-email-confirm');
    await page.getByRole('button', { name: 'Yes, use this address' }).click();
    await page.waitForLoadState();
    await look(page, '4-email-changed');

    await page.goto(`${server.issuer}/account/delete`);
    await expect(page.getByRole('heading', { name: 'Delete your account?' }).isVisible()).resolves.toBe(true);
    await look(page, '5-delete');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForLoadState();
    await look(page, '6-deleted');
    await context.close();
  });
});
