import { Browser } from '../support/browser.ts';
import { authorizationUrl, codeRequest, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { continueFrom, finishFlow, firstPage, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-login-hint (OIDCCLoginHint,
 * OP-Req-login_hint). AddLoginHintFromConfigurationToAuthorizationEndpointRequest adds `login_hint`:
 * the configured `server.login_hint`, else `buffy@<issuer host>`; the flow, from a fresh browser,
 * must at a minimum not fail (OIDCC-3.1.2.1), and the reviewer checks the login page used the hint.
 * Portcullis pre-fills the login page's email with it (src/interactions/login-step.ts), escaped as
 * any value in a page; the user may still sign in as someone else.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

const emailField = (page: Awaited<ReturnType<typeof firstPage>>) => Browser.forms(page).find((form) => /\/login$/.test(form.action))?.fields.email;

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddLoginHintFromConfigurationToAuthorizationEndpointRequest (OIDCC-3.1.2.1): login_hint=buffy@<issuer host> pre-fills the login page and the flow completes`, async () => {
    const hint = `buffy@${new URL(op.issuer).hostname}`;
    const browser = new Browser();
    const parameters = codeRequest(op, op.client, { login_hint: hint }, mode);
    const login = await firstPage(browser, authorizationUrl(op, parameters));
    expect(login.status).toBe(200);
    expect(emailField(login)).toBe(hint);
    // buffy is not a user here: the suite's browser types the configured user's credentials over the hint.
    const outcome = await continueFrom(browser, login);
    await finishFlow(op, mode, { browser, parameters, outcome });
  });

  test(`${planOf(mode)}: the configured server.login_hint (the test user's email) is the email the login page offers`, async () => {
    const browser = new Browser();
    const parameters = codeRequest(op, op.client, { login_hint: op.email }, mode);
    const login = await firstPage(browser, authorizationUrl(op, parameters));
    expect(emailField(login)).toBe(op.email);
    const outcome = await continueFrom(browser, login, { email: emailField(login)! });
    const flow = await finishFlow(op, mode, { browser, parameters, outcome });
    expect(flow.claims.sub).toBe(op.accountId);
  });
});

test('a login_hint is only text in the page: markup in it is escaped', async () => {
  const hint = '"><script>alert(1)</script>@example.com';
  const login = await firstPage(new Browser(), authorizationUrl(op, codeRequest(op, op.client, { login_hint: hint })));
  expect(login.status).toBe(200);
  expect(login.html).not.toContain('<script>alert(1)</script>');
  expect(login.html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"');
  expect(emailField(login)).toBe(hint);
});
