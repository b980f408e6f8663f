import { jest } from '@jest/globals';
import * as oidc from 'openid-client';
import type { Browser as Chromium, Page } from 'playwright-core';
import { describeInChromium, launchChromium, look as lookAt, screenshotFolder } from '../support/chromium.ts';
import { createUser, PASSWORD, REDIRECT_URI } from '../support/flows.ts';
import { startDocumentHost, type DocumentHost } from '../support/metadata-document-host.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * The consent page of a client by metadata document in a real Chromium: the document's host and the
 * redirect's host stand out, a loopback redirect is warned of, and every page passes axe-core
 * (screenshots/client-id-metadata-documents/, wide and 390 px, light and dark).
 */
jest.setTimeout(120_000);
let SHOTS: string;
const look = (page: Page, name: string) => lookAt(page, SHOTS, name);

let host: DocumentHost;
let server: TestServer;
let browser: Chromium;
const EMAIL = 'chromium.cimd@example.com';

describeInChromium('the consent page of a client by metadata document, in Chromium', () => {
  beforeAll(async () => {
    SHOTS = await screenshotFolder('client-id-metadata-documents');
    host = await startDocumentHost();
    server = await startTestServer({ OUTBOUND_CA_FILE: host.certFile, CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: host.host });
    await createUser(server, EMAIL);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await host?.close();
  });

  async function authorize(clientId: string, redirectUri: string) {
    const config = await oidc.discovery(new URL(server.issuer), clientId, {}, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state: oidc.randomState() });
    return { config, verifier, url: url.toString() };
  }

  async function signIn(page: Page, url: string) {
    await page.goto(url);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState();
  }

  test('a loopback redirect: both hosts, the warning, then Allow sends the code back', async () => {
    const clientId = host.publish('/apps/desktop-agent.json', { client_name: 'Desktop Agent', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    let callback: string | undefined;
    await page.route(`${REDIRECT_URI}**`, async (route) => {
      callback = route.request().url();
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><title>callback</title><p>callback received</p></html>' });
    });
    await signIn(page, (await authorize(clientId, REDIRECT_URI)).url);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Authorize Desktop Agent');
    await expect(page.locator('dl.hosts dd').allTextContents()).resolves.toEqual([host.host, '127.0.0.1:9999']);
    await expect(page.locator('p.warning').textContent()).resolves.toContain('any program on this device can claim to be Desktop Agent');
    await look(page, '1-consent-loopback-redirect');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${REDIRECT_URI}**`);
    expect(new URL(callback!).searchParams.get('code')).toBeTruthy();
    await context.close();
  });

  test('an https redirect on another site, and a blocked client', async () => {
    const clientId = host.publish('/apps/web-agent.json', { client_name: 'Web Agent', redirect_uris: ['https://agent.example.net/callback'], token_endpoint_auth_method: 'none' });
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, (await authorize(clientId, 'https://agent.example.net/callback')).url);
    await expect(page.locator('p.warning').textContent()).resolves.toContain('you will be sent to agent.example.net');
    await look(page, '2-consent-other-site');

    await server.services.management.metadataDocumentClients.block({ actor: 'cli', mayManageAdmins: true }, clientId, 'test');
    await page.goto((await authorize(clientId, 'https://agent.example.net/callback')).url);
    await expect(page.locator('main').textContent()).resolves.toContain('This client has been blocked by an administrator of this server');
    await look(page, '3-blocked-client');
    await context.close();
  });
});
