import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomInt } from 'node:crypto';
import { Browser, type Page } from './browser.ts';
import { authorizationUrl, authorize, callbackParams, codeFlow, codeRequest, type ConformanceClient, type ConformanceOp } from './conformance.ts';
import { freePort } from './free-port.ts';

/**
 * What the OIDF logout modules (the RP-Initiated Logout and Back-Channel Logout OP plans) share,
 * after AbstractOIDCCRpInitiatedLogout: the client's post_logout_redirect_uri, the long states the
 * suite sends, the redirect to end_session_endpoint, the click on the OP's confirmation page, and
 * the second authorization with prompt=none that proves the user was logged out.
 */

/** CreatePostLogoutRedirectUri: the suite's `<base_url>/post_logout_redirect`, next to our REDIRECT_URI. */
export const POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:9999/post_logout_redirect';
/** AddBadPostLogoutRedirectUriToEndSessionEndpointRequest: `<base_url>/bad_post_logout_redirect_uri`, never registered. */
export const BAD_POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:9999/bad_post_logout_redirect_uri';

/** The client metadata of the plans' static client: its post_logout_redirect_uri registered. */
export const LOGOUT_CLIENT = { post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI] } as const;

const pick = (alphabet: string, count: number): string => Array.from({ length: count }, () => alphabet[randomInt(alphabet.length)]).join('');
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** VSCHAR punctuation (%x20-2F, 3A-40, 5B-60, 7B-7E), as RFC6749AppendixASyntaxUtils draws it. */
const PUNCTUATION = Array.from({ length: 0x7f - 0x20 }, (_, index) => String.fromCharCode(0x20 + index))
  .filter((char) => !/[A-Za-z0-9]/.test(char))
  .join('');

/**
 * CreateRandomStateValue with `requested_state_length` 128 (AbstractOIDCCRpInitiatedLogout.onConfigure):
 * 124 alphanumerics and "-._~", to check the OP does not corrupt a long state.
 */
export const longState = (): string => `${pick(LETTERS + DIGITS, 124)}-._~`;

/**
 * CreateRandomEndSessionState: 50 letters, 10 digits and 30 VSCHAR punctuation characters, with
 * '+', ' ' and ';' turned into '~' as the suite does.
 */
export const endSessionState = (): string => `${pick(LETTERS, 50)}${pick(DIGITS, 10)}${pick(PUNCTUATION, 30)}`.replace(/[+ ;]/g, '~');

export interface SignedIn {
  readonly browser: Browser;
  /** The ID token as issued (the suite's `id_token.value`). */
  readonly idToken: string;
  readonly claims: Record<string, unknown>;
}

/** The first authorization of every logout module: a normal code flow with a 128-character state, then the code exchange. */
export async function signIn(op: ConformanceOp, client: ConformanceClient = op.client): Promise<SignedIn> {
  const flow = await codeFlow(op, { client, extra: { state: longState() } });
  expect(flow.params.get('state')).toBe(flow.parameters.state);
  return { browser: flow.browser, idToken: String(flow.tokens.json.id_token), claims: flow.idToken.payload };
}

/** BuildRedirectToEndSessionEndpoint: end_session_endpoint with exactly these query parameters. */
export function endSessionUrl(op: ConformanceOp, parameters: Record<string, string>): string {
  const url = new URL(String(op.metadata.end_session_endpoint));
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString();
}

/** A URL that is not the OP's: the browser stops there instead of loading it. */
const leavesOp = (op: ConformanceOp) => (next: string) => !next.startsWith(`${op.issuer}/`);

/** What a browser's navigation asks for: the OP answers HTML pages, not its JSON errors. */
const NAVIGATION_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/**
 * The browser goes to end_session_endpoint (browser.goToUrl) and stops at the OP's page or at the
 * first redirect away from the OP.
 */
export const goToEndSession = (op: ConformanceOp, browser: Browser, parameters: Record<string, string>): Promise<Page> =>
  browser.follow(endSessionUrl(op, parameters), leavesOp(op), { headers: { accept: NAVIGATION_ACCEPT } });

/**
 * What the suite's browser automation does on the OP's logout confirmation page: clicks the
 * "yes" button, a submit button tied by its `form` attribute to the confirmation form; the
 * button's own name and value go with the form's hidden fields.
 */
export async function confirmLogout(op: ConformanceOp, browser: Browser, page: Page): Promise<Page> {
  const button = /<button\b[^>]*\btype="submit"[^>]*>/gi;
  const yes = [...page.html.matchAll(button)].map((match) => match[0]).find((tag) => /\bvalue="yes"/.test(tag));
  if (!yes) throw new Error(`no "yes" button on the logout page (status ${page.status}): ${page.html.slice(0, 300)}`);
  const name = /\bname="([^"]+)"/.exec(yes)?.[1] ?? '';
  const formId = /\bform="([^"]+)"/.exec(yes)?.[1];
  const formTag = formId ? new RegExp(`<form\\b[^>]*\\bid="${formId.replace(/\./g, '\\.')}"[^>]*\\baction="([^"]+)"`).exec(page.html) : null;
  if (!formTag?.[1]) throw new Error('the "yes" button is not tied to a form on the page');
  const action = new URL(formTag[1].replace(/&amp;/g, '&'), page.url).toString();
  const form = Browser.forms(page).find((candidate) => candidate.action === action);
  if (!form) throw new Error(`no form posting to ${action}`);
  return browser.follow(form.action, leavesOp(op), { method: form.method, form: { ...form.fields, [name]: 'yes' }, headers: { accept: NAVIGATION_ACCEPT } });
}

/** Whether the page is the OP's logout confirmation page (the form that posts to /session/end/confirm). */
export const isLogoutConfirmation = (page: Page): boolean => Browser.forms(page).some((form) => /\/session\/end\/confirm$/.test(form.action));

/**
 * A page the user must see (the suite asks for a screenshot): the OP's own page, not a redirect
 * anywhere (in particular not to the RP), served as HTML, with the heading it must show.
 */
export function expectOpPage(op: ConformanceOp, page: Page, { status, heading }: { status: number; heading: RegExp }): void {
  expect(page.url.startsWith(`${op.issuer}/`)).toBe(true);
  expect(page.status).toBe(status);
  expect(page.headers.get('content-type')).toMatch(/^text\/html\b/);
  expect(page.headers.get('cache-control')).toMatch(/no-store/);
  const h1 = /<h1>([\s\S]*?)<\/h1>/.exec(page.html)?.[1] ?? '';
  expect(h1).toMatch(heading);
}

/**
 * The error page the invalid-request modules expect (ExpectPostLogoutRedirectUriNotRegisteredErrorPage,
 * ExpectInvalidIdTokenHintErrorPage): 400, the OP's own page saying the sign-out was refused and
 * why, no confirmation form (nothing ends), and no way on to the requested redirect URI.
 */
export function expectSignOutRefused(op: ConformanceOp, page: Page, { code, detail, notLinked }: { code: string; detail: RegExp; notLinked?: string }): void {
  expectOpPage(op, page, { status: 400, heading: /^The sign-out request could not be completed$/ });
  expect(page.html).toMatch(/you were not signed out/);
  expect(page.html).toMatch(detail);
  expect(page.html).toContain(`<code>${code}</code>`);
  expect(isLogoutConfirmation(page)).toBe(false);
  if (notLinked) expect(page.html).not.toContain(notLinked);
}

/** ExpectSuccessfulLogoutPage: the OP's own "you are signed out" page. */
export function expectSignedOutPage(op: ConformanceOp, page: Page): void {
  expectOpPage(op, page, { status: 200, heading: /^Signed out$/ });
  expect(new URL(page.url).pathname).toBe('/session/end/success');
  expect(page.html).toMatch(/You have been signed out/);
}

/** The post_logout_redirect the RP received (the suite's `post_logout_redirect.query_string_params`). */
export function postLogoutRedirect(page: Page): URLSearchParams {
  expect(page.status).toBe(303);
  const url = new URL(page.url);
  expect(`${url.origin}${url.pathname}`).toBe(POST_LOGOUT_REDIRECT_URI);
  return url.searchParams;
}

/**
 * The second authorization (AbstractOIDCCRpInitiatedLogout, not first time): the same request with
 * prompt=none and a fresh long state, in the same browser; returns the callback parameters and the
 * state sent.
 */
export async function promptNone(op: ConformanceOp, browser: Browser, client: ConformanceClient = op.client): Promise<{ params: URLSearchParams; state: string; sawLogin: boolean }> {
  const parameters = codeRequest(op, client, { state: longState(), prompt: 'none' });
  const outcome = await authorize(browser, authorizationUrl(op, parameters));
  return { params: callbackParams(outcome), state: parameters.state!, sawLogin: outcome.sawLogin };
}

/** RFC 6749 4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E. */
const ERROR_DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const ERROR_RESPONSE_PARAMS = ['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss'];

/**
 * performGenericAuthorizationEndpointErrorResponseValidation and
 * CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface (OIDCC-3.1.2.6): the user is
 * logged out, so prompt=none comes back with an error that needs a user interface.
 */
export function expectLoggedOut(op: ConformanceOp, { params, state, sawLogin }: { params: URLSearchParams; state: string; sawLogin: boolean }): void {
  expect(sawLogin).toBe(false);
  // CheckStateInAuthorizationResponse, ValidateIssIfPresentInAuthorizationResponse (OAuth2-iss-2)
  expect(params.get('state')).toBe(state);
  if (params.has('iss')) expect(params.get('iss')).toBe(op.issuer);
  // EnsureErrorFromAuthorizationEndpointResponse, RejectAuthCodeInAuthorizationEndpointResponse
  expect(params.has('code')).toBe(false);
  expect(['interaction_required', 'login_required', 'account_selection_required', 'consent_required']).toContain(params.get('error'));
  // CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint (WARNING in the suite)
  for (const name of params.keys()) expect(ERROR_RESPONSE_PARAMS).toContain(name);
  // ValidateErrorDescriptionFromAuthorizationEndpointResponseError, ValidateErrorUriFromAuthorizationEndpointResponseError
  expect(params.get('error_description') ?? '').toMatch(ERROR_DESCRIPTION);
  if (params.has('error_uri')) expect(URL.canParse(params.get('error_uri')!)).toBe(true);
}

export interface BackchannelRequest {
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The RP's backchannel_logout_uri on a loopback port, answering 200 with Cache-Control: no-store as the suite does. */
export async function startBackchannelReceiver(): Promise<{ uri: string; host: string; received: BackchannelRequest[]; close(): Promise<void> }> {
  const port = await freePort();
  const received: BackchannelRequest[] = [];
  const app: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ method: request.method ?? '', headers: request.headers, body });
      response.writeHead(200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${port}/backchannel_logout`,
    host: `127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => app.close(() => resolve())),
  };
}
