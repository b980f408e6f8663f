import { jest } from '@jest/globals';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import { createUser, PASSWORD, REDIRECT_URI } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * In a real Chromium: the sign-out page's two answers say what they do, and the login page shows a
 * client's logo and policy links when they are on its redirect URI's host. Every page passes
 * axe-core (screenshots/logout-and-branding/, wide and 390 px, light and dark).
 */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);
let server: TestServer;
let browser: Chromium;
const EMAIL = 'chromium.logout@example.com';
const APP = 'https://app.branding.example/callback';

describeInChromium('the sign-out page and a branded login page, in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('logout-and-branding');
    server = await startTestServer();
    await createUser(server, EMAIL);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the login page shows the logo and the policy and terms links; the sign-out page names both answers', async () => {
    const client = await server.services.clients.create({
      client_name: 'Branded App',
      redirect_uris: [REDIRECT_URI, APP],
      post_logout_redirect_uris: ['http://127.0.0.1:9999/bye'],
      logo_uri: 'https://app.branding.example/logo.png',
      policy_uri: 'https://app.branding.example/privacy',
      tos_uri: 'https://terms.example/tos',
    });
    // axe-core is injected as an inline script, which the pages' CSP rightly refuses.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    // The logo's host is not reachable here: Chromium is given a 1x1 PNG for it.
    await page.route('https://app.branding.example/logo.png', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII=', 'base64') }));
    await page.route(`${REDIRECT_URI}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><title>back</title><p>back</p></html>' }));
    await page.route('http://127.0.0.1:9999/bye**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><title>bye</title><p>bye</p></html>' }));
    const url = new URL(`${server.issuer}/auth`);
    url.search = new URLSearchParams({ client_id: client.client_id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, nonce: 'n-1', state: 's-1' }).toString();
    await page.goto(url.toString());
    await expect(page.locator('img.client-logo').getAttribute('alt')).resolves.toBe('Branded App logo');
    await expect(page.getByRole('link', { name: 'Branded App’s privacy policy' }).getAttribute('href')).resolves.toBe('https://app.branding.example/privacy');
    await expect(page.getByRole('link', { name: 'Branded App’s terms of service' }).getAttribute('href')).resolves.toBe('https://terms.example/tos');
    await look(page, '1-login-with-logo');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);

    await page.goto(`${server.issuer}/session/end?client_id=${client.client_id}&post_logout_redirect_uri=${encodeURIComponent('http://127.0.0.1:9999/bye')}`);
    await expect(page.getByRole('button', { name: 'Yes, sign out of everything' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'No, only of Branded App' }).isVisible()).resolves.toBe(true);
    await look(page, '2-sign-out-asked-by-an-app');
    await context.close();
  });
});
