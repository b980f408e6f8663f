import { randomBytes } from 'node:crypto';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, codeRequest, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-registered-redirect-uri
 * (OIDCCEnsureRegisteredRedirectUri, OP-redirect_uri-NotReg): the authorization request names a
 * redirect URI that cannot be registered, the registered one with a random path appended
 * (CreateBadRedirectUriByAppending). The OP must show an error page of its own (ExpectRedirectUriErrorPage,
 * OIDCC-3.1.2.1: the suite wants a screenshot saying the redirect URI is invalid); the module fails
 * if the browser is sent to the unregistered URI, or to the registered one (processCallback).
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: CreateBadRedirectUriByAppending, ExpectRedirectUriErrorPage (OIDCC-3.1.2.1): an error page at the OP, no redirect to either URI`, async () => {
    const bad = `${REDIRECT_URI}/${randomBytes(8).toString('hex').slice(0, 10)}`;
    const parameters = codeRequest(op, op.client, { redirect_uri: bad }, mode);
    const outcome = await authorize(new Browser(), authorizationUrl(op, parameters));
    expect(outcome.kind).toBe('page');
    expect({ login: outcome.sawLogin, consent: outcome.sawConsent }).toEqual({ login: false, consent: false });
    const { page } = outcome;
    expect(page.url.startsWith(op.issuer)).toBe(true);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.html).toContain('<code>invalid_redirect_uri</code>');
    expect(page.html).not.toContain(bad);
    for (const form of Browser.forms(page)) expect(form.action.startsWith(REDIRECT_URI)).toBe(false);
  });
});
