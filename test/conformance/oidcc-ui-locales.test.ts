import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, codeRequest, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { continueFrom, finishFlow, firstPage, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ui-locales (OIDCCUiLocales,
 * OP-Req-ui_locales). AddUiLocalesFromConfigurationToAuthorizationEndpointRequest adds `ui_locales`:
 * the configured `server.ui_locales`, else `se`. Its use must not cause an error (OIDCC-3.1.2.1,
 * 15.1); the reviewer checks, from a fresh browser, that the login page is in one of the requested
 * languages. Portcullis ships English only: `se` gives the English page; a language installed in
 * VIEWS_OVERRIDE_DIR/strings (French here, as test/e2e/page-language.test.ts does) and named in
 * `ui_locales` gives that language, even against the browser's Accept-Language.
 */
let op: ConformanceOp;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oidcc-ui-locales-'));
  await mkdir(join(dir, 'strings'));
  await writeFile(join(dir, 'strings', 'fr.json'), JSON.stringify({ 'login.heading': 'Connexion', 'login.submit': 'Se connecter' }));
  op = await startConformanceOp({ overrides: { VIEWS_OVERRIDE_DIR: dir } });
});
afterAll(async () => {
  await op.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddUiLocalesFromConfigurationToAuthorizationEndpointRequest (OIDCC-3.1.2.1, 15.1): ui_locales=se does not cause an error`, async () => {
    const browser = new Browser();
    const parameters = codeRequest(op, op.client, { ui_locales: 'se' }, mode);
    const login = await firstPage(browser, authorizationUrl(op, parameters));
    expect(login.status).toBe(200);
    // No Northern Sami (nor Swedish) strings: the page falls back to English.
    expect(login.html).toContain('<html lang="en">');
    await finishFlow(op, mode, { browser, parameters, outcome: await continueFrom(browser, login) });
  });

  test(`${planOf(mode)}: a configured server.ui_locales naming an installed language shows the login page in it`, async () => {
    const browser = new Browser();
    const parameters = codeRequest(op, op.client, { ui_locales: 'fr-CA fr' }, mode);
    const login = await firstPage(browser, authorizationUrl(op, parameters), { 'accept-language': 'en' });
    expect(login.status).toBe(200);
    expect(login.html).toContain('<html lang="fr">');
    expect(login.html).toContain('<h1>Connexion</h1>');
    await finishFlow(op, mode, { browser, parameters, outcome: await continueFrom(browser, login) });
  });
});
