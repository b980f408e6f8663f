import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptedLanguages, chooseLanguage } from '../../src/pages/language.ts';
import { createViews } from '../../src/pages/views.ts';

describe('chooseLanguage', () => {
  const available = ['en', 'fr', 'pt-BR'];

  test('Accept-Language by q-value, ties in their order, without * and q=0', () => {
    expect(acceptedLanguages('de;q=0.5, fr-CA, en;q=0.9, *;q=0.1, es;q=0')).toEqual(['fr-CA', 'en', 'de']);
    expect(acceptedLanguages('')).toEqual([]);
    expect(acceptedLanguages('nl;q=oops, it')).toEqual(['it']);
    expect(acceptedLanguages([...Array<string>(5000).fill('de'), 'fr'].join(','))).toHaveLength(32);
  });

  test('a regional tag falls back to its base language; case does not matter', () => {
    expect(chooseLanguage({ acceptLanguage: 'fr-CA,en;q=0.5' }, available, 'en')).toBe('fr');
    expect(chooseLanguage({ acceptLanguage: 'pt-br' }, available, 'en')).toBe('pt-BR');
    expect(chooseLanguage({ acceptLanguage: 'de, en;q=0.8' }, available, 'fr')).toBe('en');
  });

  test('ui_locales comes first; what no list names falls to DEFAULT_LANGUAGE, then English', () => {
    expect(chooseLanguage({ uiLocales: 'fr', acceptLanguage: 'en' }, available, 'en')).toBe('fr');
    expect(chooseLanguage({ uiLocales: 'de-AT it', acceptLanguage: 'fr' }, available, 'en')).toBe('fr');
    expect(chooseLanguage({ acceptLanguage: 'de' }, available, 'pt-BR')).toBe('pt-BR');
    expect(chooseLanguage({}, available, 'fr')).toBe('fr');
    expect(chooseLanguage({}, available, 'de')).toBe('en');
    expect(chooseLanguage({ uiLocales: '<script>', acceptLanguage: 'x-%%%' }, available, 'en')).toBe('en');
  });
});

describe('pages in the language of the request', () => {
  let dir: string;
  const login = { uid: 'u1', csrf: 't', clientName: '<script>alert(1)</script>', email: '', signup: true };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'views-strings-'));
    await mkdir(join(dir, 'strings'));
    await writeFile(
      join(dir, 'strings', 'fr.json'),
      JSON.stringify({
        'login.heading': 'Connexion',
        'login.submit': 'Se connecter',
        'common.to_continue_to_html': 'pour continuer vers <strong>{client}</strong>',
        'login.new_here_html': 'Nouveau ? <a href="{href}">Créer un compte</a>',
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('an override folder’s strings/fr.json: French where it has strings, English for the rest, <html lang="fr">', async () => {
    const html = await createViews(undefined, { overrideDir: dir }).render('login', login, { acceptLanguage: 'fr-CA,fr;q=0.9,en;q=0.5' });
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<title>Connexion · Portcullis</title>');
    expect(html).toContain('<h1>Connexion</h1>');
    expect(html).toContain('<button type="submit">Se connecter</button>');
    expect(html).toContain('<p class="muted">Nouveau ? <a href="/interaction/u1/signup">Créer un compte</a></p>');
    expect(html).toContain('<label for="password">Password</label>');
    expect(html).toContain('<button type="submit" class="secondary">Cancel</button>');
  });

  test('values stay escaped in translated strings', async () => {
    const html = await createViews(undefined, { overrideDir: dir }).render('login', login, { acceptLanguage: 'fr' });
    expect(html).toContain('pour continuer vers <strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
    expect(html).not.toContain('<script>alert(1)</script>');
  });

  test('a request that asks for nothing we have gets DEFAULT_LANGUAGE', async () => {
    const english = await createViews(undefined, { overrideDir: dir }).render('login', login, { acceptLanguage: 'de' });
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('<h1>Sign in</h1>');
    const french = await createViews(undefined, { overrideDir: dir, defaultLanguage: 'fr' }).render('login', login, {
      acceptLanguage: 'de',
    });
    expect(french).toContain('<html lang="fr">');
    expect(french).toContain('<h1>Connexion</h1>');
  });

  test('without an override folder every page is English', async () => {
    const html = await createViews().render('login', login, { uiLocales: 'fr', acceptLanguage: 'fr' });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<h1>Sign in</h1>');
  });
});
