import { jest } from '@jest/globals';
import { Browser, type Page } from './browser.ts';
import {
  authorizationUrl,
  authorize,
  codeRequest,
  CONFORMANCE_EMAIL,
  exchangeCode,
  userinfo,
  verifyIdToken,
  type AuthorizationOutcome,
  type ConformanceClient,
  type ConformanceOp,
  type JsonAnswer,
  type ResponseMode,
  type VerifiedIdToken,
} from './conformance.ts';
import { PASSWORD, REDIRECT_URI } from './flows.ts';

/**
 * What the second half of the Basic OP plan (oidcc-basic-certification-test-plan) and the Form Post
 * OP plan (oidcc-formpost-basic-certification-test-plan, the same modules with
 * `response_mode=form_post`) check on every run, as AbstractOIDCCServerTest does: the callback
 * (processCallback, onAuthorizationCallbackResponse), the token response (requestAuthorizationCode),
 * the ID token (PerformStandardIdTokenChecks), userinfo (requestProtectedResource), and the generic
 * checks on error answers from the authorization and token endpoints.
 */
export const RESPONSE_MODES = ['default', 'form_post'] as const satisfies readonly ResponseMode[];

/** The plan that runs a module with this response mode. */
export const planOf = (mode: ResponseMode): string =>
  mode === 'form_post' ? 'oidcc-formpost-basic-certification-test-plan' : 'oidcc-basic-certification-test-plan';

/** The `<form>` tag that posts back to the client, as form_post's self-submitting page has it. */
const postingFormTag = (html: string): string | undefined =>
  [...html.matchAll(/<form\b[^>]*>/gi)].map((match) => match[0]).find((tag) => tag.includes(REDIRECT_URI));

/**
 * processCallback: with form_post, CheckCallbackHttpMethodIsPost and CheckCallbackContentTypeIsFormUrlEncoded
 * (OAuth2-FP-2: a POST form, urlencoded, which a form without `enctype` is), RejectAuthCodeInUrlQuery and
 * RejectErrorInUrlQuery (nothing in the redirect URI's query); otherwise the response is in the query.
 * Then CheckMatchingCallbackParameters (our redirect URI has no query of its own),
 * ValidateIssIfPresentInAuthorizationResponse (OAuth2-iss-2) and CheckStateInAuthorizationResponse.
 */
export function expectCallback(op: ConformanceOp, outcome: AuthorizationOutcome, mode: ResponseMode, state: string | undefined): URLSearchParams {
  if (outcome.kind !== 'callback') throw new Error(`expected a response at the redirect URI, got a page (status ${outcome.page.status}): ${outcome.page.html.slice(0, 400)}`);
  if (mode === 'form_post') {
    expect(outcome.via).toBe('form_post');
    const tag = postingFormTag(outcome.page.html) ?? '';
    expect(tag).toMatch(/\smethod=["']?post\b/i);
    const enctype = /\senctype=["']([^"']*)["']/i.exec(tag)?.[1];
    expect(enctype ?? 'application/x-www-form-urlencoded').toBe('application/x-www-form-urlencoded');
    const action = Browser.forms(outcome.page).find((form) => form.action.startsWith(REDIRECT_URI))!.action;
    expect(new URL(action).searchParams.has('code')).toBe(false);
    expect(new URL(action).searchParams.has('error')).toBe(false);
  } else {
    expect(outcome.via).toBe('query');
  }
  const { params } = outcome;
  const iss = params.get('iss');
  if (iss !== null) expect(iss).toBe(op.issuer);
  expect(params.get('state') ?? undefined).toBe(state);
  return params;
}

/** CheckIfAuthorizationEndpointError and ExtractAuthorizationCodeFromAuthorizationResponse. */
export function expectCode(params: URLSearchParams): string {
  expect({ error: params.get('error'), description: params.get('error_description') }).toEqual({ error: null, description: null });
  const code = params.get('code');
  expect(code).toEqual(expect.any(String));
  return code!;
}

const ERROR_CHARS = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;
const ERROR_DESCRIPTION_CHARS = /^[\t\n\r\x20-\x21\x23-\x5B\x5D-\x7E]+$/;
const ERROR_URI_CHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** The RFC 6749 5.2 / 4.1.2.1 shape of `error`, `error_description` and `error_uri`, wherever they come from. */
function expectErrorFields(fields: { error?: unknown; error_description?: unknown; error_uri?: unknown }) {
  expect(fields.error).toEqual(expect.stringMatching(ERROR_CHARS));
  const { error_description: description, error_uri: uri } = fields;
  if (description !== undefined && description !== null && description !== '') {
    expect(description).toEqual(expect.stringMatching(ERROR_DESCRIPTION_CHARS));
    // CheckErrorDescription…ContainsCRLFTAB: only a WARNING in the suite; Portcullis meets it.
    expect(description).not.toEqual(expect.stringMatching(/[\r\n\t]/));
  }
  if (uri !== undefined && uri !== null && uri !== '') {
    expect(uri).toEqual(expect.stringMatching(ERROR_URI_CHARS));
    expect(typeof uri === 'string' && URL.canParse(uri)).toBe(true);
  }
}

/**
 * performGenericAuthorizationEndpointErrorResponseValidation: CheckStateInAuthorizationResponse (done by
 * expectCallback), EnsureErrorFromAuthorizationEndpointResponse and RejectAuthCodeInAuthorizationEndpointResponse
 * (OIDCC-3.1.2.6), ValidateErrorDescription… and ValidateErrorUri…FromAuthorizationEndpointResponseError
 * (RFC6749-4.1.2.1); CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint is a WARNING,
 * which Portcullis meets: only error, error_description, error_uri, state, session_state and iss.
 */
export function expectAuthorizationError(params: URLSearchParams): string {
  expect(params.has('code')).toBe(false);
  expectErrorFields(Object.fromEntries(params));
  for (const name of params.keys()) expect(['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss']).toContain(name);
  return params.get('error')!;
}

/**
 * The token endpoint's error answer, as AbstractOIDCCAuthCodeReuse and RefreshTokenRequestExpectingErrorSteps
 * check it: CheckTokenEndpointHttpStatus400 and CheckTokenEndpointReturnedJsonContentType (OIDCC-3.1.3.4),
 * CheckErrorFromTokenEndpointResponseErrorInvalidGrant and ValidateError…, ValidateErrorDescription…,
 * ValidateErrorUri…FromTokenEndpointResponseError (RFC6749-5.2), and the CRLF/TAB warning.
 */
export function expectInvalidGrant(answer: JsonAnswer): void {
  expect({ status: answer.status, error: answer.json.error }).toEqual({ status: 400, error: 'invalid_grant' });
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
  expectErrorFields(answer.json);
}

/**
 * requestAuthorizationCode: CheckTokenEndpointHttpStatus200, CheckForAccessTokenValue, ValidateExpiresIn
 * (RFC6749-5.1: a positive number of seconds, at most a year) and ExtractIdTokenFromTokenResponse (OIDCC-3.1.3.3).
 */
export function expectTokens(answer: JsonAnswer): { accessToken: string; idToken: string; refreshToken?: string } {
  expect({ status: answer.status, error: answer.json.error }).toEqual({ status: 200, error: undefined });
  expect(answer.json.access_token).toEqual(expect.any(String));
  if (answer.json.expires_in !== undefined) {
    expect(answer.json.expires_in).toEqual(expect.any(Number));
    expect(answer.json.expires_in as number).toBeGreaterThan(0);
    expect(answer.json.expires_in as number).toBeLessThanOrEqual(31536000);
  }
  expect(answer.json.id_token).toEqual(expect.any(String));
  return {
    accessToken: String(answer.json.access_token),
    idToken: String(answer.json.id_token),
    ...(typeof answer.json.refresh_token === 'string' ? { refreshToken: answer.json.refresh_token } : {}),
  };
}

const STRING_CLAIMS = ['sub', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'email', 'gender', 'zoneinfo', 'locale', 'phone_number'];

/** ValidateIdTokenStandardClaims / ValidateUserInfoStandardClaims (OIDCC-5.1) and Ensure…UpdatedAtValid. */
export function expectStandardClaims(claims: Record<string, unknown>): void {
  for (const name of STRING_CLAIMS) {
    if (name in claims) expect({ [name]: claims[name] }).toEqual({ [name]: expect.stringMatching(/\S/) });
    if (typeof claims[name] === 'string') expect(String(claims[name]).toLowerCase()).not.toBe('null');
  }
  for (const name of ['email_verified', 'phone_number_verified']) if (name in claims) expect(typeof claims[name]).toBe('boolean');
  if ('updated_at' in claims) {
    expect(claims.updated_at).toEqual(expect.any(Number));
    expect(claims.updated_at as number).toBeGreaterThan(Date.UTC(1990, 0, 1) / 1000);
    expect(claims.updated_at as number).toBeLessThan(Date.now() / 1000 + 300);
  }
}

/**
 * PerformStandardIdTokenChecks: ValidateIdToken, ValidateIdTokenSignature, ValidateIdTokenNonce,
 * CheckForSubjectInIdToken (verifyIdToken), ValidateIdTokenStandardClaims, EnsureIdTokenUpdatedAtValid,
 * and ValidateIdTokenACRClaimAgainstRequest (an `acr`, when present, is a string).
 */
export async function expectIdToken(op: ConformanceOp, idToken: string, options: { client?: ConformanceClient; nonce?: string } = {}): Promise<VerifiedIdToken> {
  const verified = await verifyIdToken(op, idToken, options);
  const { iss: _iss, aud: _aud, exp: _exp, iat: _iat, auth_time: _authTime, nonce: _nonce, acr, amr: _amr, azp: _azp, at_hash: _atHash, c_hash: _cHash, s_hash: _sHash, jti: _jti, nbf: _nbf, ...identity } = verified.payload;
  expectStandardClaims(identity);
  if (acr !== undefined) expect(acr).toEqual(expect.any(String));
  if (verified.payload.auth_time !== undefined) expect(verified.payload.auth_time).toEqual(expect.any(Number));
  return verified;
}

export interface BasicFlowResult {
  readonly browser: Browser;
  readonly parameters: Record<string, string>;
  readonly outcome: AuthorizationOutcome;
  readonly params: URLSearchParams;
  readonly code: string;
  readonly tokens: JsonAnswer;
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken: string;
  readonly claims: VerifiedIdToken['payload'];
}

/**
 * AbstractOIDCCServerTest's whole code flow: the authorization request (response_type=code, scope=openid,
 * state, nonce, response_mode=form_post in the Form Post plan, plus `extra`), the callback checks, the
 * code exchange, the ID token checks, and userinfo with the access token (EnsureHttpStatusCodeIs200).
 */
export async function basicFlow(
  op: ConformanceOp,
  mode: ResponseMode,
  { browser = new Browser(), client = op.client, extra = {}, method = 'GET', tokenExtra = {} }: { browser?: Browser; client?: ConformanceClient; extra?: Record<string, string>; method?: 'GET' | 'POST'; tokenExtra?: Record<string, string> } = {},
): Promise<BasicFlowResult> {
  const parameters = codeRequest(op, client, extra, mode);
  const outcome = await authorize(browser, authorizationUrl(op, parameters), { method });
  return finishFlow(op, mode, { browser, client, parameters, outcome, tokenExtra });
}

/** The part of basicFlow after the authorization request, for modules that build that request their own way. */
export async function finishFlow(
  op: ConformanceOp,
  mode: ResponseMode,
  { browser, client = op.client, parameters, outcome, tokenExtra = {} }: { browser: Browser; client?: ConformanceClient; parameters: Record<string, string>; outcome: AuthorizationOutcome; tokenExtra?: Record<string, string> },
): Promise<BasicFlowResult> {
  const params = expectCallback(op, outcome, mode, parameters.state);
  const code = expectCode(params);
  const tokens = await exchangeCode(op, code, client, tokenExtra);
  const { accessToken, idToken, refreshToken } = expectTokens(tokens);
  const { payload } = await expectIdToken(op, idToken, { client, ...(parameters.nonce ? { nonce: parameters.nonce } : {}) });
  const info = await userinfo(op, accessToken);
  expect(info.status).toBe(200);
  return { browser, parameters, outcome, params, code, tokens, accessToken, idToken, claims: payload, ...(refreshToken ? { refreshToken } : {}) };
}

/**
 * The authorization request's first page (the login page for a browser without a session), for a module
 * that looks at it before the user answers it; `continueFrom` then goes on as `authorize` does.
 */
export const firstPage = (browser: Browser, url: URL, headers: Record<string, string> = {}): Promise<Page> =>
  browser.follow(url.toString(), (next) => next.startsWith(REDIRECT_URI), { headers });

/** `authorize` from a page already shown: signs in, consents, and stops at the redirect URI or another page. */
export async function continueFrom(browser: Browser, first: Page, { email = CONFORMANCE_EMAIL, password = PASSWORD }: { email?: string; password?: string } = {}): Promise<AuthorizationOutcome> {
  let page = first;
  let sawLogin = false;
  let sawConsent = false;
  const back = (next: string) => next.startsWith(REDIRECT_URI);
  for (let step = 0; step < 4; step += 1) {
    if (back(page.url)) return { kind: 'callback', via: 'query', params: new URL(page.url).searchParams, page, sawLogin, sawConsent };
    const forms = Browser.forms(page);
    const posted = forms.find((form) => back(form.action));
    if (posted) return { kind: 'callback', via: 'form_post', params: new URLSearchParams(posted.fields), page, sawLogin, sawConsent };
    if (forms.some((form) => /\/login$/.test(form.action))) {
      sawLogin = true;
      page = await browser.submit(page, /\/login$/, { email, password }, back);
    } else if (forms.some((form) => /\/confirm$/.test(form.action))) {
      sawConsent = true;
      page = await browser.submit(page, /\/confirm$/, {}, back);
    } else break;
  }
  return { kind: 'page', page, sawLogin, sawConsent };
}

/** An unsigned request object (`alg: none`), serialised as a PlainJWT: header, claims, empty signature. */
export function unsignedRequestObject(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

/**
 * Moves `Date.now()` (what oidc-provider's clock and jose read) `seconds` ahead, for a module that
 * waits: the server runs in this process, so its time checks see the wait without the test sleeping.
 * Redis expiry stays on real time, which is safe for waits shorter than every lifetime involved.
 */
export function clockAhead(seconds: number): () => void {
  const realNow = Date.now.bind(Date);
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + seconds * 1000);
  return () => spy.mockRestore();
}

/** AbstractEnsureMinimumEntropy's estimate: Shannon entropy per character times the length, in bits. */
export function shannonBits(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  const length = [...value].length;
  let perCharacter = 0;
  for (const count of counts.values()) perCharacter -= (count / length) * Math.log2(count / length);
  return perCharacter * length;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
