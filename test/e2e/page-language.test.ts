import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest, createUser, PASSWORD, registerClient, REDIRECT_URI, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** A few French strings in the override folder: the rest of each page stays English. */
const FRENCH = {
  'login.heading': 'Connexion',
  'login.submit': 'Se connecter',
  'common.to_continue_to_html': 'pour continuer vers <strong>{client}</strong>',
  'error.title': 'Une erreur est survenue',
  'device_code.heading': 'Connecter un appareil',
  // Sentences the code makes (PageText), not the templates:
  'login.error.invalid_credentials': 'E-mail ou mot de passe incorrect.',
  'error_page.page_expired.heading': 'Cette page de connexion a expiré',
  'scope.email': 'Voir votre adresse e-mail',
  'passkeys.error.page_expired': 'Cette page a expiré. Rechargez-la et réessayez.',
};

let dir: string;
let server: TestServer;
let client: RegisteredClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'page-language-'));
  await mkdir(join(dir, 'strings'));
  await writeFile(join(dir, 'strings', 'fr.json'), JSON.stringify(FRENCH));
  server = await startTestServer({ VIEWS_OVERRIDE_DIR: dir });
  client = await registerClient(server, { client_name: 'Démo <b>app</b>', redirect_uris: [REDIRECT_URI], scope: 'openid email profile' });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Like `Browser.follow`, with the same headers on every hop (as a browser sends its Accept-Language). */
async function followWith(browser: Browser, url: string, headers: Record<string, string>): Promise<Page> {
  let page = await browser.request(url, { headers });
  for (let hops = 0; hops < 10 && page.status >= 300 && page.status < 400; hops += 1)
    page = await browser.request(new URL(page.headers.get('location')!, page.url).toString(), { headers });
  return page;
}

async function loginPage(parameters: Record<string, string>, acceptLanguage: string): Promise<Page> {
  const request = await authorizationRequest(client, parameters);
  const page = await followWith(new Browser(), request.url.toString(), { 'accept-language': acceptLanguage });
  expect(page.status).toBe(200);
  expect(page.url).toMatch(/\/interaction\/[^/]+$/);
  return page;
}

describe('the language of the pages', () => {
  test('ui_locales=fr on the authorization request gives the French login page, even with Accept-Language: en', async () => {
    const page = await loginPage({ ui_locales: 'fr' }, 'en');
    expect(page.html).toContain('<html lang="fr">');
    expect(page.html).toContain('<h1>Connexion</h1>');
    expect(page.html).toContain('<button type="submit">Se connecter</button>');
    expect(page.html).toContain('pour continuer vers <strong>Démo &lt;b&gt;app&lt;/b&gt;</strong>');
    expect(page.html).toContain('<label for="password">Password</label>');
  });

  test('without ui_locales, Accept-Language chooses, a regional tag matching its base language', async () => {
    const french = await loginPage({}, 'fr-CA,en;q=0.5');
    expect(french.html).toContain('<html lang="fr">');
    expect(french.html).toContain('<h1>Connexion</h1>');
    const english = await loginPage({}, 'de-DE, en;q=0.8, fr;q=0.5');
    expect(english.html).toContain('<html lang="en">');
    expect(english.html).toContain('<h1>Sign in</h1>');
  });

  test('ui_locales naming no language we have leaves the choice to Accept-Language', async () => {
    const page = await loginPage({ ui_locales: 'de it' }, 'fr');
    expect(page.html).toContain('<h1>Connexion</h1>');
  });

  test('error pages and oidc-provider’s own pages follow Accept-Language too', async () => {
    const expired = await new Browser().request(`${server.issuer}/interaction/no-such-interaction`, {
      headers: { 'accept-language': 'fr' },
    });
    expect(expired.status).toBe(400);
    expect(expired.html).toContain('<html lang="fr">');
    expect(expired.html).toContain('<title>Une erreur est survenue · Portcullis</title>');
    const device = await new Browser().request(`${server.issuer}/device`, { headers: { 'accept-language': 'fr' } });
    expect(device.status).toBe(200);
    expect(device.html).toContain('<h1>Connecter un appareil</h1>');
    const english = await new Browser().request(`${server.issuer}/device`);
    expect(english.html).toContain('<html lang="en">');
    expect(english.html).toContain('<h1>Connect a device</h1>');
  });

  test('sentences made in code are translated too: a form error, an error page heading, a scope on consent', async () => {
    await createUser(server, 'lang@example.org');
    const request = await authorizationRequest(client, { ui_locales: 'fr' });
    const browser = new Browser();
    const login = await browser.follow(request.url.toString());
    const wrong = await browser.submit(login, /\/login$/, { email: 'lang@example.org', password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('E-mail ou mot de passe incorrect.');
    expect(wrong.html).not.toContain('Incorrect email or password.');
    const consent = await browser.submit(wrong, /\/login$/, { email: 'lang@example.org', password: PASSWORD });
    expect(consent.html).toContain('<li>Voir votre adresse e-mail</li>');
    expect(consent.html).toContain('<li>Confirm your identity</li>');

    const expired = await new Browser().request(`${server.issuer}/interaction/no-such-interaction`, { headers: { 'accept-language': 'fr' } });
    expect(expired.html).toContain('Cette page de connexion a expiré');
    const english = await new Browser().request(`${server.issuer}/interaction/no-such-interaction`, { headers: { 'accept-language': 'en' } });
    expect(english.html).toContain('This sign-in page has expired');
    expect(english.html).toContain('Go back to the application and start signing in again.');
  });

  test('the passkey endpoints answer their script in the sign-in’s language', async () => {
    const request = await authorizationRequest(client, { ui_locales: 'fr' });
    const browser = new Browser();
    const login = await browser.follow(request.url.toString());
    const options = /data-options="([^"]+)"/.exec(login.html)![1]!;
    const answer = await fetch(`${server.issuer}${options}`, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', 'x-csrf-token': 'not the token' },
      body: '{}',
    });
    expect(answer.status).toBe(403);
    expect(await answer.json()).toEqual({ error: 'Cette page a expiré. Rechargez-la et réessayez.' });
  });
});
