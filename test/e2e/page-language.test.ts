import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, type Page } from '../support/browser.ts';
import { authorizationRequest, registerClient, REDIRECT_URI, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** A few French strings in the override folder: the rest of each page stays English. */
const FRENCH = {
  'login.heading': 'Connexion',
  'login.submit': 'Se connecter',
  'common.to_continue_to_html': 'pour continuer vers <strong>{client}</strong>',
  'error.title': 'Une erreur est survenue',
  'device_code.heading': 'Connecter un appareil',
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
});
