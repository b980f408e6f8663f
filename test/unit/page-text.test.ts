import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PasswordPolicy, PasswordRejectedError } from '../../src/accounts/password-policy.ts';
import { errorPageFor } from '../../src/pages/error-page.ts';
import { pageText, putIntoWords } from '../../src/pages/page-text.ts';
import { loadPageStrings } from '../../src/pages/strings.ts';
import { createViews, VIEWS_DIR } from '../../src/pages/views.ts';
import { TooManyRequestsError } from '../../src/self-service/self-service-limits.ts';
import { LITERAL_PAGE_TEXT, PAGE_TEXT_CALL, pageTextKeysInSource, sourceFiles } from './page-text-keys.ts';

describe('the page strings code uses (pageText)', () => {
  let english: Record<string, string>;
  beforeAll(async () => {
    english = JSON.parse(await readFile(join(VIEWS_DIR, 'strings', 'en.json'), 'utf8')) as Record<string, string>;
  });

  test('every pageText call names its key as a literal the scan can see', async () => {
    for (const [file, text] of await sourceFiles()) {
      if (file === 'pages/page-text.ts') continue;
      expect({ file, calls: [...text.matchAll(PAGE_TEXT_CALL)].length }).toEqual({ file, calls: [...text.matchAll(LITERAL_PAGE_TEXT)].length });
    }
  });

  test('every key a pageText in src/ names is in en.json (itself, or its plural forms), and is a text key', async () => {
    const keys = await pageTextKeysInSource();
    expect(keys.size).toBeGreaterThan(100);
    const missing = [...keys].filter(([key]) => !Object.hasOwn(english, key) && !Object.hasOwn(english, `${key}.other`));
    expect(missing).toEqual([]);
    expect([...keys.keys()].filter((key) => key.endsWith('_html'))).toEqual([]);
    for (const [key] of keys) if (Object.hasOwn(english, `${key}.other`)) expect({ key, one: Object.hasOwn(english, `${key}.one`) }).toEqual({ key, one: true });
  });
});

describe('putting PageText into words', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'page-text-'));
    await mkdir(join(dir, 'strings'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('render translates the PageText in its data, at the top, in objects and in arrays; plain strings stay', async () => {
    await writeFile(join(dir, 'strings', 'de.json'), JSON.stringify({ 'login.error.invalid_credentials': 'E-Mail-Adresse oder Passwort falsch.' }));
    const views = createViews(undefined, { overrideDir: dir });
    const error = pageText('login.error.invalid_credentials');
    const german = await views.render('login', { uid: 'u', csrf: 't', clientName: 'App', email: '', error }, { acceptLanguage: 'de' });
    expect(german).toContain('E-Mail-Adresse oder Passwort falsch.');
    const english = await views.render('login', { uid: 'u', csrf: 't', clientName: 'App', email: '', error }, { acceptLanguage: 'en' });
    expect(english).toContain('Incorrect email or password.');
    const { t } = loadPageStrings([join(VIEWS_DIR, 'strings')]).translatorFor('en');
    expect(putIntoWords({ list: [error, 'as it is'], nested: { error }, date: new Date(0) }, { t })).toEqual({
      list: ['Incorrect email or password.', 'as it is'],
      nested: { error: 'Incorrect email or password.' },
      date: new Date(0),
    });
  });

  test('words translates one Wording without a page (the passkey script’s JSON messages)', async () => {
    await writeFile(join(dir, 'strings', 'fr.json'), JSON.stringify({ 'passkeys.error.too_many': 'Un compte peut avoir {max} clés d’accès.' }));
    const views = createViews(undefined, { overrideDir: dir });
    expect(await views.words(pageText('passkeys.error.too_many', { max: 10 }), { acceptLanguage: 'fr' })).toBe('Un compte peut avoir 10 clés d’accès.');
    expect(await views.words(pageText('passkeys.error.too_many', { max: 10 }))).toBe('An account can hold 10 passkeys. Remove one before adding another.');
    expect(await views.words('A developer’s detail', { acceptLanguage: 'fr' })).toBe('A developer’s detail');
  });

  test('plural forms: `.one` / `.other` chosen by `count`, a language’s own forms kept, English where a translation has none', async () => {
    await writeFile(
      join(dir, 'strings', 'pl.json'),
      JSON.stringify({
        'error_page.too_many_wrong_codes.message.one': 'minuta',
        'error_page.too_many_wrong_codes.message.few': '{count} minuty',
        'error_page.too_many_wrong_codes.message.many': '{count} minut',
        'error_page.too_many_wrong_codes.message.zero': '{nothing}',
      }),
    );
    const strings = loadPageStrings([join(VIEWS_DIR, 'strings'), join(dir, 'strings')]);
    const key = 'error_page.too_many_wrong_codes.message';
    const english = strings.translatorFor('en');
    expect(english.t(key, { count: 1 })).toContain('Wait a minute, then');
    expect(english.t(key, { count: 5 })).toContain('Wait 5 minutes, then');
    const polish = strings.translatorFor('pl');
    expect(polish.t(key, { count: 1 })).toBe('minuta');
    expect(polish.t(key, { count: 3 })).toBe('3 minuty');
    expect(polish.t(key, { count: 5 })).toBe('5 minut');
    // Polish has no `.other` here and 1.5 is `other` in Polish: English, with English rules.
    expect(polish.t(key, { count: 1.5 })).toContain('Wait 1.5 minutes, then');
    expect(() => english.t(key)).toThrow('is not in en.json');
  });

  test('errors carry their page string: a refused password, a limit; the generic error page texts are page strings', async () => {
    const refusal = await new PasswordPolicy({ minLength: 15 }).accept('short').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PasswordRejectedError);
    expect((refusal as PasswordRejectedError).message).toBe('password must be at least 15 characters (this one has 5)');
    const { t } = loadPageStrings([join(VIEWS_DIR, 'strings')]).translatorFor('en');
    const { key, values } = (refusal as PasswordRejectedError).words;
    expect(t(key, values)).toBe('Password must be at least 15 characters (this one has 5).');
    const limited = new TooManyRequestsError('Too many sign-ups.', pageText('self_service.too_many_sign_ups'), 60);
    const page = putIntoWords(errorPageFor(limited, limited), { t });
    expect(page).toMatchObject({ status: 429, heading: 'The request could not be completed', message: 'Too many sign-ups from your network. Please try again later.' });
    expect(putIntoWords(errorPageFor(undefined, new Error('boom')), { t })).toMatchObject({ status: 500, heading: 'Something went wrong' });
  });
});
