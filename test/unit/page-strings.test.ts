import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { MAIL_TEMPLATES } from '../../src/mail/templates.ts';
import { loadPageStrings } from '../../src/pages/strings.ts';
import { VIEWS_DIR } from '../../src/pages/views.ts';
import { pageTextKeysInSource } from './page-text-keys.ts';

const STRINGS_DIR = join(VIEWS_DIR, 'strings');

/** Every template (views/*.eta, views/account/*.eta, views/mail/*.eta), by its path under views/. */
async function pageTemplates(): Promise<Map<string, string>> {
  const templates = new Map<string, string>();
  for (const dir of [VIEWS_DIR, join(VIEWS_DIR, 'account'), join(VIEWS_DIR, 'mail')])
    for (const name of (await readdir(dir)).filter((file) => file.endsWith('.eta')))
      templates.set(relative(VIEWS_DIR, join(dir, name)), await readFile(join(dir, name), 'utf8'));
  return templates;
}

const CALL = /\bit\.(t|tHtml)\(/g;
const LITERAL_CALL = /\bit\.(t|tHtml)\(\s*'([^']+)'/g;

describe('the page strings in views/strings/en.json', () => {
  let english: Record<string, string>;
  let templates: Map<string, string>;
  beforeAll(async () => {
    english = JSON.parse(await readFile(join(STRINGS_DIR, 'en.json'), 'utf8')) as Record<string, string>;
    templates = await pageTemplates();
  });

  test('every key a page template uses is in en.json, with a literal key the scan can see', () => {
    const missing: string[] = [];
    for (const [file, text] of templates) {
      const literal = [...text.matchAll(LITERAL_CALL)];
      expect({ file, calls: [...text.matchAll(CALL)].length }).toEqual({ file, calls: literal.length });
      for (const [, , key] of literal) if (!Object.hasOwn(english, key!)) missing.push(`${file}: ${key}`);
    }
    expect(missing).toEqual([]);
  });

  test('every key of en.json is used by a page template or by code (pageText, no orphans)', async () => {
    const fromTemplates = [...templates.values()].flatMap((text) => [...text.matchAll(LITERAL_CALL)].map((match) => match[2]!));
    // A mail's subject is looked up by the renderer (src/mail/mail-renderer.ts) from its template's name.
    const subjects = MAIL_TEMPLATES.map((template) => `mail.${template.replaceAll('-', '_')}.subject`);
    const used = new Set([...fromTemplates, ...subjects, ...(await pageTextKeysInSource()).keys()]);
    // `x.one`, `x.other`: the plural forms of the key `x` code names.
    const baseOf = (key: string) => key.replace(/\.(zero|one|two|few|many|other)$/, '');
    expect(Object.keys(english).filter((key) => !used.has(key) && !used.has(baseOf(key)))).toEqual([]);
  });

  test('no key appears twice in the file (JSON.parse would keep only the last)', async () => {
    const raw = await readFile(join(STRINGS_DIR, 'en.json'), 'utf8');
    const keys = [...raw.matchAll(/^\s*"([^"]+)":/gm)].map((match) => match[1]);
    expect(keys.length).toBe(Object.keys(english).length);
  });

  test('HTML strings go out through tHtml in <%~ %>, text strings through t in <%= %> (which escapes them)', () => {
    for (const [file, text] of templates) {
      for (const [tag, kind = '', code = ''] of text.matchAll(/<%([=~])([\s\S]*?)%>/g)) {
        const misused = kind === '~' ? /\bit\.t\(/.test(code) : /\bit\.tHtml\(/.test(code);
        expect({ file, tag, misused }).toEqual({ file, tag, misused: false });
      }
      for (const [, kind, key] of text.matchAll(LITERAL_CALL))
        expect({ file, key, html: kind === 'tHtml' }).toEqual({ file, key, html: key!.endsWith('_html') });
    }
  });

  test('only <strong>, <code>, <a href="{…}">, <time datetime="{…}"> and <span class="…"> markup in the HTML strings', () => {
    const allowed =
      /^<\/?(strong|code)>$|^<a href="\{[a-z]+\}">$|^<\/a>$|^<time datetime="\{[a-z]+\}">$|^<\/time>$|^<span class="[a-z -]+">$|^<\/span>$/;
    for (const [key, text] of Object.entries(english)) {
      const tags = text.match(/<[^>]*>/g) ?? [];
      if (!key.endsWith('_html')) expect({ key, tags }).toEqual({ key, tags: [] });
      for (const tag of tags) expect({ key, tag, allowed: allowed.test(tag) }).toEqual({ key, tag, allowed: true });
    }
  });
});

describe('loadPageStrings', () => {
  let dir: string;
  let ours: string;
  let override: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'page-strings-'));
    ours = join(dir, 'ours');
    override = join(dir, 'override');
    await mkdir(ours);
    await mkdir(override);
    await writeFile(
      join(ours, 'en.json'),
      JSON.stringify({ 'page.hello': 'Hello {name}', 'page.bye': 'Bye', 'page.who_html': 'Hi <strong>{name}</strong>' }),
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('a language falls back to English key by key; an override replaces single strings of a language', async () => {
    await writeFile(join(override, 'fr.json'), JSON.stringify({ 'page.hello': 'Bonjour {name}' }));
    await writeFile(join(override, 'en.json'), JSON.stringify({ 'page.bye': 'Goodbye' }));
    const strings = loadPageStrings([ours, override]);
    expect([...strings.languages].sort()).toEqual(['en', 'fr']);
    const french = strings.translatorFor('fr');
    expect(french.lang).toBe('fr');
    expect(french.t('page.hello', { name: 'Ada' })).toBe('Bonjour Ada');
    expect(french.t('page.bye')).toBe('Goodbye');
    expect(strings.translatorFor('en').t('page.hello', { name: 'Ada' })).toBe('Hello Ada');
  });

  test('t leaves escaping to <%= %>; tHtml keeps its markup and escapes every value', () => {
    const english = loadPageStrings([ours]).translatorFor('en');
    expect(english.t('page.hello', { name: '<b>' })).toBe('Hello <b>');
    expect(english.tHtml('page.who_html', { name: `<img src=x onerror="alert('1')">&` })).toBe(
      'Hi <strong>&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;</strong>',
    );
  });

  test('an unknown key, a missing value and the wrong function are programming errors', () => {
    const english = loadPageStrings([ours]).translatorFor('en');
    expect(() => english.t('page.nowhere')).toThrow('page string "page.nowhere" is not in en.json');
    expect(() => english.t('page.hello')).toThrow('needs a value for {name}');
    expect(() => english.t('page.who_html', { name: 'x' })).toThrow('use tHtml');
    expect(() => english.tHtml('page.bye')).toThrow('use t');
  });

  test('a translation with a key or a placeholder English lacks is left out, so English shows', async () => {
    await writeFile(
      join(override, 'de.json'),
      JSON.stringify({ 'page.hello': 'Hallo {nme}', 'page.extra': 'Extra', 'page.bye': 'Tschüss' }),
    );
    const german = loadPageStrings([ours, override]).translatorFor('de');
    expect(german.t('page.hello', { name: 'Ada' })).toBe('Hello Ada');
    expect(german.t('page.bye')).toBe('Tschüss');
    expect(() => german.t('page.extra')).toThrow('not in en.json');
  });

  test('file names are language tags in canonical case; other files are ignored; a bad file says which', async () => {
    await writeFile(join(override, 'pt-br.json'), JSON.stringify({ 'page.bye': 'Tchau' }));
    await writeFile(join(override, 'notes.txt'), 'not strings');
    expect(loadPageStrings([ours, override]).languages).toContain('pt-BR');
    await writeFile(join(override, 'it.json'), '{ "page.bye": 3 }');
    expect(() => loadPageStrings([ours, override])).toThrow(`${join(override, 'it.json')}: "page.bye" is not a string`);
    await writeFile(join(override, 'it.json'), '{ nope');
    expect(() => loadPageStrings([ours, override])).toThrow('not readable JSON');
  });

  test('our folder must have English', async () => {
    await rm(join(ours, 'en.json'));
    expect(() => loadPageStrings([ours])).toThrow('no en.json');
  });
});
