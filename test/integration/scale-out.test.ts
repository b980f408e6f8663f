import * as oidc from 'openid-client';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openServices, type Services } from '../../src/services.ts';
import { Browser } from '../support/browser.ts';
import { createTestResources, freePort, quietLogger, testConfig, usingPostgres, usingRedis, type TestResources } from '../support/environment.ts';
import { authorizationRequest, exchange, isCallback, PASSWORD, REDIRECT_URI, signIn } from '../support/flows.ts';

const run = usingPostgres && usingRedis ? describe : describe.skip;

/**
 * Two instances behind one issuer name share PostgreSQL and Redis: whatever one starts, the other
 * can finish. Here the "load balancer" is the test choosing which instance gets each request.
 */
run('several stateless instances', () => {
  let resources: TestResources;
  const instances: Array<{ services: Services; running: RunningServer; url: string }> = [];

  beforeAll(async () => {
    resources = await createTestResources();
    const ports = [await freePort(), await freePort()];
    // One public issuer; each instance listens on its own port.
    const issuer = `http://127.0.0.1:${ports[0]}`;
    for (const port of ports) {
      const services = await openServices(testConfig(resources, { ISSUER: issuer }), quietLogger(), { migrate: true });
      const running = await startServer(services, port, '127.0.0.1');
      instances.push({ services, running, url: `http://127.0.0.1:${port}` });
    }
  });

  afterAll(async () => {
    for (const { running, services } of instances) {
      await running.close();
      await services.close();
    }
    await resources.cleanup();
  });

  test('they publish the same signing keys', async () => {
    const [a, b] = await Promise.all(instances.map(async ({ url }) => (await fetch(`${url}/jwks`)).json()));
    expect(a).toEqual(b);
  });

  test('a login started on one instance finishes on the other, and tokens work across both', async () => {
    const [a, b] = instances;
    await a!.services.accounts.register({ email: 'multi@example.com', password: PASSWORD });
    const registered = await a!.services.clients.create({ redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'] });
    const discover = (url: string) =>
      oidc.discovery(new URL(url), registered.client_id, {}, oidc.ClientSecretBasic(registered.client_secret), {
        execute: [oidc.allowInsecureRequests],
      });
    // Discovery documents name the shared issuer; requests are pointed at one instance or the other.
    const configA = await discover(a!.url);
    const configB = new oidc.Configuration(configA.serverMetadata(), registered.client_id, {}, oidc.ClientSecretBasic(registered.client_secret));
    oidc.allowInsecureRequests(configB);
    const metadataB = configB.serverMetadata() as Record<string, unknown>;
    for (const key of Object.keys(metadataB)) {
      const value = metadataB[key];
      if (typeof value === 'string' && value.startsWith(a!.url)) metadataB[key] = value.replace(a!.url, b!.url);
    }

    const request = await authorizationRequest({ clientId: registered.client_id, clientSecret: registered.client_secret, config: configA }, { scope: 'openid offline_access', prompt: 'consent' });
    const browser = new Browser();
    const toB = (url: string) => url.replace(a!.url, b!.url);
    // Authorization request on A, login form served and posted on B, consent on A.
    const first = await browser.request(request.url.toString());
    const loginPage = await browser.request(toB(new URL(first.headers.get('location')!, a!.url).toString()));
    expect(loginPage.html).toContain('name="password"');
    const form = Browser.forms(loginPage).find((f) => f.action.endsWith('/login'))!;
    const afterLogin = await browser.follow(toB(form.action), isCallback, { method: 'POST', form: { ...form.fields, email: 'multi@example.com', password: PASSWORD } });
    const callbackPage = isCallback(afterLogin.url) ? afterLogin : await browser.submit(afterLogin, /\/confirm$/, {}, isCallback);

    const tokens = await oidc.authorizationCodeGrant(configB, new URL(callbackPage.url), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
    const refreshed = await oidc.refreshTokenGrant(configA, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(configB, refreshed.access_token)).active).toBe(true);
    await expect(oidc.refreshTokenGrant(configB, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(configA, refreshed.access_token)).active).toBe(false);
  });

  test('a client deleted through one instance stops working on the other at once', async () => {
    const [a, b] = instances;
    const registered = await a!.services.clients.create({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
    const tokenAt = (url: string) =>
      fetch(`${url}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${registered.client_id}:${registered.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
    expect((await tokenAt(b!.url)).status).toBe(200);
    await a!.services.clients.delete(registered.client_id);
    let status = 200;
    for (let attempt = 0; attempt < 20 && status === 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await tokenAt(b!.url)).status;
    }
    expect(status).toBe(401);
  });

  test('an account disabled through one instance loses userinfo on the other at once', async () => {
    const [a, b] = instances;
    await a!.services.accounts.register({ email: 'soon-off@example.com', password: PASSWORD });
    const registered = await a!.services.clients.create({ redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'] });
    const configA = await oidc.discovery(new URL(a!.url), registered.client_id, {}, oidc.ClientSecretBasic(registered.client_secret), { execute: [oidc.allowInsecureRequests] });
    const client = { clientId: registered.client_id, clientSecret: registered.client_secret, config: configA };
    const request = await authorizationRequest(client);
    const tokens = await exchange(client, await signIn(new Browser(), request, 'soon-off@example.com'), request);
    const userinfoAtB = () => fetch(`${b!.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect((await userinfoAtB()).status).toBe(200);
    await a!.services.accounts.setDisabled('soon-off@example.com', true);
    let status = 200;
    for (let attempt = 0; attempt < 20 && status === 200; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = (await userinfoAtB()).status;
    }
    expect(status).toBe(401);
  });
});
