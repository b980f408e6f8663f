import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import { createUser, PASSWORD, registerClient, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The device-flow pages in a real Chromium (they carry no script: the fetch-based browser of
 * device-flow.test.ts walks them without any): the code page, a wrong code, the confirm page, sign-in, done; the code from
 * verification_uri_complete filled in, Deny; the wrong-code limit. Every page is screenshotted
 * (screenshots/device/, wide and 390 px, light and dark) and checked with axe-core: no serious or
 * critical violation (the contexts bypass our CSP only so that axe can be injected).
 */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);

const EMAIL = 'chromium.viewer@example.com';

let server: TestServer;
let tv: RegisteredClient;
let browser: Chromium;

describeInChromium('device flow pages in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('device');
    server = await startTestServer({ DEVICE_POLL_INTERVAL: '1', DEVICE_CODE_RATE_LIMIT: '2' });
    tv = await registerClient(server, {
      client_name: 'Living Room TV',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      token_endpoint_auth_method: 'none',
      redirect_uris: [],
      response_types: [],
      scope: 'openid email profile',
    });
    await createUser(server, EMAIL);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const newPage = async () => (await browser.newContext({ bypassCSP: true })).newPage();
  const heading = (page: Page) => page.getByRole('heading', { level: 1 }).textContent();

  test('code → wrong code → confirm → sign in → connected (no second consent); the device gets tokens', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid email profile' });
    const page = await newPage();
    await page.goto(authorization.verification_uri);
    await look(page, '1-code');

    await page.getByLabel('Code').fill('bcdf-ghjk');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('That code is not right');
    await look(page, '2-wrong-code');

    await page.getByLabel('Code').fill(authorization.user_code.toLowerCase());
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(heading(page)).resolves.toBe('Connect Living Room TV?');
    await look(page, '3-confirm');

    await page.getByRole('button', { name: 'Allow' }).click();
    await expect(heading(page)).resolves.toBe('Sign in');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The confirm page was the consent: no second "Authorize" page.
    await expect(heading(page)).resolves.toBe('Your device is connected');
    await look(page, '4-connected');

    const tokens = await oidc.pollDeviceAuthorizationGrant(tv.config, authorization);
    expect(tokens.claims()!.sub).toBe((await server.services.accounts.resolve(EMAIL)).id);
    await page.context().close();
  });

  test('verification_uri_complete fills the code in; Deny; then the wrong-code limit', async () => {
    const authorization = await oidc.initiateDeviceAuthorization(tv.config, { scope: 'openid' });
    const page = await newPage();
    await page.goto(authorization.verification_uri_complete!);
    await expect(page.getByLabel('Code').inputValue()).resolves.toBe(authorization.user_code);
    await look(page, '5-code-filled-in');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect(heading(page)).resolves.toBe('Request denied');
    await look(page, '6-denied');

    // DEVICE_CODE_RATE_LIMIT is 2 and the first test spent one: the second wrong code here is refused.
    await page.goto(authorization.verification_uri);
    for (const attempt of ['bcdf-ghjk', 'zzzz-zzzz']) {
      await page.getByLabel('Code').fill(attempt);
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await expect(heading(page)).resolves.toBe('Too many wrong codes');
    await look(page, '7-too-many-wrong-codes');
    await page.context().close();
  });
});
