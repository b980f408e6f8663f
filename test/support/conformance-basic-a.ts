import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { Browser } from './browser.ts';
import {
  authorize,
  callbackParams,
  exchangeCode,
  verifyIdToken,
  type AuthorizationOutcome,
  type ClientAuth,
  type ConformanceClient,
  type ConformanceOp,
  type JsonAnswer,
  type ResponseMode,
  type VerifiedIdToken,
} from './conformance.ts';
import { REDIRECT_URI } from './flows.ts';

/**
 * What the Basic OP and Form Post OP plans' modules (first half, test/conformance/oidcc-*.test.ts)
 * share beyond test/support/conformance.ts: the base module's flow (AbstractOIDCCServerTest) and
 * its conditions, each written as a function returning the problems it finds, so a test reads
 * `expect(problems).toEqual([])` and a failure names what is wrong.
 */

/** Both plans run every module: Basic OP with the default response mode, Form Post OP with form_post. */
export const RESPONSE_MODES = ['default', 'form_post'] as const satisfies readonly ResponseMode[];

const random = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

/**
 * CreateAuthorizationRequestSteps: client_id, redirect_uri, scope (SetScopeInClientConfigurationToOpenId
 * or the module's), state, nonce, response_type=code, response_mode=form_post in the Form Post plan;
 * `omit` leaves out what a module skips (OIDCCResponseTypeMissing, the nonce-less module).
 */
export function moduleRequest(
  op: ConformanceOp,
  {
    responseMode,
    client = op.client,
    scope = 'openid',
    extra = {},
    omit = [],
  }: { responseMode: ResponseMode; client?: ConformanceClient; scope?: string; extra?: Record<string, string>; omit?: readonly string[] },
): Record<string, string> {
  const parameters: Record<string, string> = {
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    scope,
    state: random('state'),
    nonce: random('nonce'),
    response_type: 'code',
    ...(responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
    ...extra,
  };
  for (const name of omit) delete parameters[name];
  return parameters;
}

/**
 * BuildPlainRedirectToAuthorizationEndpoint puts the parameters in the query sorted by name;
 * BuildPlainRedirectToAuthorizationEndpointReorderedParams (oidcc-alternate-happy-flow) in reverse order.
 */
export function moduleUrl(op: ConformanceOp, parameters: Record<string, string>, order: 'sorted' | 'reversed' = 'sorted'): URL {
  const names = Object.keys(parameters).sort();
  if (order === 'reversed') names.reverse();
  const url = new URL(String(op.metadata.authorization_endpoint));
  for (const name of names) url.searchParams.append(name, parameters[name] ?? '');
  return url;
}

const formTag = (html: string): string | undefined => /<form\b[^>]*>/i.exec(html)?.[0];

/**
 * How the response reached the redirect URI. Default mode (code flow): the query. form_post
 * (AbstractOIDCCServerTest.processCallback): CheckCallbackHttpMethodIsPost and
 * CheckCallbackContentTypeIsFormUrlEncoded (OAuth2-FP-2: a self-submitting form, method post, the
 * default urlencoded enctype), RejectAuthCodeInUrlQuery (OIDCC-3.3.2.5) and RejectErrorInUrlQuery
 * (OAuth2-RT-5): nothing in the query of the URL the form posts to.
 */
export function deliveryProblems(outcome: AuthorizationOutcome, responseMode: ResponseMode): string[] {
  if (outcome.kind !== 'callback')
    return [`the OP stopped at its own page (status ${outcome.page.status}) instead of answering the client`];
  if (responseMode === 'default') return outcome.via === 'query' ? [] : [`answered by ${outcome.via}, expected the query`];
  const problems: string[] = [];
  if (outcome.via !== 'form_post') return [`answered by ${outcome.via}, expected form_post`];
  const form = Browser.forms(outcome.page).find((candidate) => candidate.action.startsWith(REDIRECT_URI));
  if (form?.method !== 'POST') problems.push(`CheckCallbackHttpMethodIsPost: the form's method is ${form?.method ?? 'missing'}`);
  const enctype = /\senctype=["']([^"']*)["']/i.exec(formTag(outcome.page.html) ?? '')?.[1];
  if (enctype !== undefined && enctype.toLowerCase() !== 'application/x-www-form-urlencoded')
    problems.push(`CheckCallbackContentTypeIsFormUrlEncoded: enctype ${enctype}`);
  const query = new URL(form?.action ?? REDIRECT_URI).searchParams;
  if (query.has('code')) problems.push('RejectAuthCodeInUrlQuery: code in the query');
  if (query.has('error')) problems.push('RejectErrorInUrlQuery: error in the query');
  if (!/document\.forms\[0\]\.submit\(\)/.test(outcome.page.html)) problems.push('the form does not submit itself');
  return problems;
}

/**
 * AbstractOIDCCServerTest.onAuthorizationCallbackResponse, success path: CheckMatchingCallbackParameters
 * (nothing to match, our redirect URI has no query), ValidateIssIfPresentInAuthorizationResponse
 * (OAuth2-iss-2), CheckIfAuthorizationEndpointError, CheckStateInAuthorizationResponse,
 * ExtractAuthorizationCodeFromAuthorizationResponse.
 */
export function successResponseProblems(op: ConformanceOp, params: URLSearchParams, state: string | undefined): string[] {
  const problems: string[] = [];
  if (params.has('iss') && params.get('iss') !== op.issuer)
    problems.push(`ValidateIssIfPresentInAuthorizationResponse: iss ${params.get('iss')}`);
  if (params.get('error')) problems.push(`CheckIfAuthorizationEndpointError: ${params.get('error')}: ${params.get('error_description')}`);
  if ((params.get('state') ?? undefined) !== state)
    problems.push(`CheckStateInAuthorizationResponse: state ${params.get('state')}, sent ${state}`);
  if (!params.get('code')) problems.push('ExtractAuthorizationCodeFromAuthorizationResponse: no code');
  return problems;
}

/**
 * performGenericAuthorizationEndpointErrorResponseValidation, its FAILURE conditions:
 * CheckStateInAuthorizationResponse, ValidateIssIfPresentInAuthorizationResponse,
 * EnsureErrorFromAuthorizationEndpointResponse, RejectAuthCodeInAuthorizationEndpointResponse
 * (OIDCC-3.1.2.6), ValidateErrorDescriptionFromAuthorizationEndpointResponseError and
 * ValidateErrorUriFromAuthorizationEndpointResponseError (RFC6749-4.1.2.1 character sets).
 */
export function errorResponseProblems(op: ConformanceOp, params: URLSearchParams, state: string | undefined): string[] {
  const problems: string[] = [];
  if ((params.get('state') ?? undefined) !== state)
    problems.push(`CheckStateInAuthorizationResponse: state ${params.get('state')}, sent ${state}`);
  if (params.has('iss') && params.get('iss') !== op.issuer)
    problems.push(`ValidateIssIfPresentInAuthorizationResponse: iss ${params.get('iss')}`);
  if (!params.has('error')) problems.push('EnsureErrorFromAuthorizationEndpointResponse: no error');
  if (params.has('code')) problems.push('RejectAuthCodeInAuthorizationEndpointResponse: a code came with the error');
  const description = params.get('error_description');
  if (description && !/^[\t\n\r\x20-\x21\x23-\x5B\x5D-\x7E]+$/.test(description))
    problems.push(`ValidateErrorDescriptionFromAuthorizationEndpointResponseError: ${description}`);
  const uri = params.get('error_uri');
  if (uri && !(/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(uri) && URL.canParse(uri)))
    problems.push(`ValidateErrorUriFromAuthorizationEndpointResponseError: ${uri}`);
  return problems;
}

/**
 * The same validation's WARNING conditions: CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint
 * (OIDCC-3.1.2.6: only error, error_description, error_uri, state, session_state, iss) and
 * CheckErrorDescriptionFromAuthorizationEndpointResponseErrorContainsCRLFTAB.
 */
export function errorResponseWarnings(params: URLSearchParams): string[] {
  const expected = new Set(['error', 'error_description', 'error_uri', 'state', 'session_state', 'iss']);
  const warnings = [...params.keys()].filter((name) => !expected.has(name)).map((name) => `unexpected parameter ${name}`);
  if (/[\r\n\t]/.test(params.get('error_description') ?? '')) warnings.push('error_description contains CR, LF or TAB');
  return warnings;
}

type Claims = Record<string, unknown>;
const isContentString = (value: unknown) => typeof value === 'string' && value.trim() !== '' && value.toLowerCase() !== 'null';
const isBirthdate = (value: unknown) => {
  if (!isContentString(value)) return false;
  const text = String(value);
  const thisYear = new Date().getUTCFullYear();
  const sane = (year: number) => year >= 1850 && year <= thisYear;
  if (/^\d{4}$/.test(text)) return sane(Number(text));
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year === 0 ? 2000 : year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && (year === 0 || sane(year));
};
const STANDARD_CLAIM_CHECKS: Record<string, (value: unknown) => boolean> = {
  ...Object.fromEntries(
    [
      'sub',
      'name',
      'given_name',
      'family_name',
      'middle_name',
      'nickname',
      'preferred_username',
      'profile',
      'picture',
      'website',
      'email',
      'gender',
      'zoneinfo',
      'locale',
      'phone_number',
      'txn',
    ].map((name) => [name, isContentString]),
  ),
  email_verified: (value) => typeof value === 'boolean',
  phone_number_verified: (value) => typeof value === 'boolean',
  birthdate: isBirthdate,
  updated_at: (value) => typeof value === 'number',
  _claim_names: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  _claim_sources: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  address: (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.entries(value).every(
      ([name, part]) =>
        !['formatted', 'street_address', 'locality', 'region', 'postal_code', 'country'].includes(name) || isContentString(part),
    ),
};

/** AbstractValidateOpenIdStandardClaims (OIDCC-5.1): a non-empty object, every standard claim of its type; unknown claims are skipped. */
export function standardClaimProblems(claims: Claims): string[] {
  if (Object.keys(claims).length === 0) return ['no identity claims'];
  return Object.entries(claims)
    .filter(([name, value]) => STANDARD_CLAIM_CHECKS[name] && !STANDARD_CLAIM_CHECKS[name](value))
    .map(([name, value]) => `${name} is not valid: ${JSON.stringify(value)}`);
}

const SKEW_SECONDS = 5 * 60;
const now = () => Date.now() / 1000;

/** AbstractUpdatedAtValid (OIDCC-5.1): when present, not in the future and not before 1990. */
export function updatedAtProblems(claims: Claims): string[] {
  const updatedAt = claims.updated_at;
  if (updatedAt === undefined) return [];
  if (typeof updatedAt !== 'number') return [`updated_at is not a number: ${JSON.stringify(updatedAt)}`];
  if (updatedAt > now() + SKEW_SECONDS) return ['updated_at is in the future'];
  if (updatedAt < Date.UTC(1990, 0, 1) / 1000) return ['updated_at is before 1990'];
  return [];
}

const ID_TOKEN_NON_IDENTITY_CLAIMS = [
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'c_hash',
  'at_hash',
  's_hash',
  'jti',
  'nbf',
  'verified_claims',
];

/**
 * PerformStandardIdTokenChecks beyond what verifyIdToken (signature, iss, aud, exp, iat, sub) checks:
 * ValidateIdToken's bounds (iat at most 5 minutes old, exp under 50 years, auth_time within the past
 * year, acr not empty), ValidateIdTokenStandardClaims, ValidateIdTokenNonce (the request's nonce, or
 * none when none was sent, OIDCC-2), ValidateIdTokenACRClaimAgainstRequest (acr a string),
 * CheckForSubjectInIdToken (at most 255 printable ASCII characters), EnsureIdTokenUpdatedAtValid.
 */
export function idTokenProblems(payload: Claims, { nonce }: { nonce: string | undefined }): string[] {
  const problems: string[] = [];
  const { iat, exp, auth_time: authTime, acr, sub } = payload;
  if (typeof iat === 'number' && iat < now() - SKEW_SECONDS) problems.push("ValidateIdToken: 'iat' more than 5 minutes in the past");
  if (typeof exp === 'number' && exp > now() + 50 * 365 * 86400) problems.push("ValidateIdToken: 'exp' more than 50 years ahead");
  if (authTime !== undefined && (typeof authTime !== 'number' || authTime < now() - 365 * 86400 || authTime > now() + SKEW_SECONDS))
    problems.push(`ValidateIdToken: auth_time ${JSON.stringify(authTime)}`);
  if (acr !== undefined && (typeof acr !== 'string' || acr === ''))
    problems.push(`ValidateIdTokenACRClaimAgainstRequest: acr ${JSON.stringify(acr)}`);
  if ((payload.nonce ?? undefined) !== nonce) problems.push(`ValidateIdTokenNonce: nonce ${String(payload.nonce)}, sent ${String(nonce)}`);
  if (typeof sub !== 'string' || sub.length > 255 || !/^[\x20-\x7E]+$/.test(sub))
    problems.push(`CheckForSubjectInIdToken: sub ${JSON.stringify(sub)}`);
  const identity = Object.fromEntries(Object.entries(payload).filter(([name]) => !ID_TOKEN_NON_IDENTITY_CLAIMS.includes(name)));
  problems.push(...standardClaimProblems(identity).map((problem) => `ValidateIdTokenStandardClaims: ${problem}`));
  problems.push(...updatedAtProblems(payload).map((problem) => `EnsureIdTokenUpdatedAtValid: ${problem}`));
  return problems;
}

/** AbstractVerifyScopesReturnedInClaims.SCOPE_STANDARD_CLAIMS (from pyoidc). */
export const SCOPE_STANDARD_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  profile: [
    'name',
    'given_name',
    'family_name',
    'middle_name',
    'nickname',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
    'preferred_username',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  offline_access: [],
};

/** VerifyScopesReturnedInUserInfoClaims (a WARNING, OIDCC-5.4): the scopes' standard claims that are missing. */
export const missingScopeClaims = (scope: string, claims: Claims): string[] =>
  scope
    .split(' ')
    .flatMap((name) => SCOPE_STANDARD_CLAIMS[name] ?? [])
    .filter((claim) => !(claim in claims));

const ID_TOKEN_VALID_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'nbf',
  'jti',
  'sid',
  's_hash',
  'openbanking_intent_id',
  'txn',
];

/** EnsureIdTokenDoesNotContainNonRequestedClaims (a WARNING): ID token claims neither standard for ID tokens nor asked for by a scope. */
export function unrequestedIdTokenClaims(payload: Claims, scope: string): string[] {
  const scopes = scope.split(' ');
  const allowed = new Set([
    ...ID_TOKEN_VALID_CLAIMS,
    ...(scopes.includes('openid') ? scopes.flatMap((name) => SCOPE_STANDARD_CLAIMS[name] ?? []) : []),
  ]);
  return Object.keys(payload).filter((name) => !allowed.has(name));
}

/** ValidateAtHash / ValidateCHash (OIDCC-3.3.2.11): the left half of the hash the ID token's alg names, base64url. */
export function halfHash(value: string, alg: string): string {
  const digest = createHash(`sha${alg.slice(2, 5)}`)
    .update(value, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** AbstractEnsureMinimumEntropy: Shannon entropy per character times the length, in bits. */
export function shannonEntropyBits(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let perCharacter = 0;
  for (const count of counts.values()) perCharacter -= (count / value.length) * Math.log2(count / value.length);
  return perCharacter * value.length;
}

/**
 * requestAuthorizationCode's FAILURE conditions: CheckTokenEndpointHttpStatus200,
 * CheckIfTokenEndpointResponseError, CheckForAccessTokenValue (access_token and token_type),
 * ValidateExpiresIn when expires_in is present (RFC6749-5.1: a positive number, at most a year),
 * ExtractIdTokenFromTokenResponse (OIDCC-3.1.3.3); and a Bearer token, which CallProtectedResource needs.
 */
export function tokenResponseProblems(tokens: JsonAnswer): string[] {
  const problems: string[] = [];
  const body = tokens.json;
  if (tokens.status !== 200) problems.push(`CheckTokenEndpointHttpStatus200: ${tokens.status} ${JSON.stringify(body)}`);
  if (body.error !== undefined) problems.push(`CheckIfTokenEndpointResponseError: ${JSON.stringify(body.error)}`);
  if (typeof body.access_token !== 'string' || body.access_token === '') problems.push('CheckForAccessTokenValue: no access_token');
  if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')
    problems.push(`token_type ${String(body.token_type)}`);
  if (body.expires_in !== undefined && !(typeof body.expires_in === 'number' && body.expires_in > 0 && body.expires_in <= 31536000))
    problems.push(`ValidateExpiresIn: ${JSON.stringify(body.expires_in)}`);
  if (typeof body.id_token !== 'string') problems.push('ExtractIdTokenFromTokenResponse: no id_token');
  return problems;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The userinfo calls the way the suite makes them (CallUserInfoEndpoint, with SetResourceMethodToPost, CallUserInfoEndpointWithBearerTokenInBody). */
export async function callUserInfo(
  op: ConformanceOp,
  accessToken: string,
  how: 'get' | 'post-header' | 'post-body',
): Promise<JsonAnswer & { readonly text: string }> {
  const endpoint = String(op.metadata.userinfo_endpoint);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const init: RequestInit =
    how === 'get'
      ? { headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } }
      : how === 'post-header'
        ? // A POST with no body still gets the form content type (AbstractCallProtectedResource).
          { method: 'POST', headers: { accept: 'application/json', authorization: `Bearer ${accessToken}`, ...form } }
        : { method: 'POST', headers: { accept: 'application/json', ...form }, body: new URLSearchParams({ access_token: accessToken }) };
  const response = await fetch(endpoint, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: parseObject(text) ?? {}, text };
}

/**
 * AbstractOIDCCUserInfoTest / AbstractOIDCCReturnedClaimsServerTest userinfo checks, FAILURE level:
 * EnsureHttpStatusCodeIs200, EnsureContentTypeJson (OIDCC-5.3.2), ExtractUserInfoFromUserInfoEndpointResponse
 * (a JSON object), ValidateUserInfoStandardClaims (OIDCC-5.1), EnsureUserInfoContainsSub (OIDCC-5.3.2),
 * EnsureUserInfoUpdatedAtValid, EnsureMemberValuesInClaimNameReferenceToMemberNamesInClaimSources (OIDCC-5.6.2).
 */
export function userInfoProblems(answer: JsonAnswer & { readonly text: string }): string[] {
  const problems: string[] = [];
  if (answer.status !== 200) problems.push(`EnsureHttpStatusCodeIs200: ${answer.status} ${answer.text}`);
  const type = (answer.headers.get('content-type') ?? '').split(';')[0]?.trim();
  if (type !== 'application/json') problems.push(`EnsureContentTypeJson: ${type}`);
  const claims = parseObject(answer.text);
  if (!claims) return [...problems, 'ExtractUserInfoFromUserInfoEndpointResponse: not a JSON object'];
  problems.push(...standardClaimProblems(claims).map((problem) => `ValidateUserInfoStandardClaims: ${problem}`));
  if (typeof claims.sub !== 'string' || claims.sub === '') problems.push('EnsureUserInfoContainsSub: no sub');
  problems.push(...updatedAtProblems(claims).map((problem) => `EnsureUserInfoUpdatedAtValid: ${problem}`));
  const names = claims._claim_names as Claims | undefined;
  const sources = claims._claim_sources as Claims | undefined;
  if ((names === undefined) !== (sources === undefined))
    problems.push(
      'EnsureMemberValuesInClaimNameReferenceToMemberNamesInClaimSources: one of _claim_names and _claim_sources without the other',
    );
  if (names && sources) {
    const referenced = new Set(Object.values(names));
    for (const source of Object.keys(sources))
      if (!referenced.has(source)) problems.push(`_claim_sources member ${source} is not referenced by _claim_names`);
  }
  return problems;
}

export interface ModuleFlow {
  readonly parameters: Record<string, string>;
  readonly outcome: AuthorizationOutcome;
  readonly params: URLSearchParams;
  readonly code: string;
  readonly tokens: JsonAnswer;
  readonly idToken: VerifiedIdToken;
  /** requestProtectedResource: CallProtectedResource, a GET to the userinfo endpoint (SetProtectedResourceUrlToUserInfoEndpoint). */
  readonly resource: JsonAnswer & { readonly text: string };
}

/**
 * AbstractOIDCCServerTest's happy path for response_type=code: the authorization request (a fresh
 * browser signs in and consents), the code exchange with the client's authentication, the ID token
 * through verifyIdToken (ValidateIdToken, ValidateIdTokenSignature), then the userinfo GET. Throws
 * only where the module stops (callAndStopOnFailure); everything else is for the test to check.
 */
export async function moduleFlow(
  op: ConformanceOp,
  options: {
    responseMode: ResponseMode;
    client?: ConformanceClient;
    scope?: string;
    extra?: Record<string, string>;
    order?: 'sorted' | 'reversed';
  },
): Promise<ModuleFlow> {
  const client = options.client ?? op.client;
  const parameters = moduleRequest(op, { ...options, client });
  const outcome = await authorize(new Browser(), moduleUrl(op, parameters, options.order));
  const params = callbackParams(outcome);
  const code = params.get('code');
  if (!code) throw new Error(`no code in the authorization response: ${params.toString()}`);
  const tokens = await exchangeCode(op, code, client);
  if (tokens.status !== 200) throw new Error(`token endpoint answered ${tokens.status}: ${JSON.stringify(tokens.json)}`);
  const idToken = await verifyIdToken(op, String(tokens.json.id_token), {
    client,
    ...(parameters.nonce ? { nonce: parameters.nonce } : {}),
  });
  const resource = await callUserInfo(op, String(tokens.json.access_token), 'get');
  return { parameters, outcome, params, code, tokens, idToken, resource };
}

/**
 * OIDCCCreateDynamicClientRegistrationRequest for response_type=code, as CallDynamicRegistrationEndpoint
 * posts it (JSON): client_name, grant_types [authorization_code], jwks (the suite's RS256 public key),
 * token_endpoint_auth_method, response_types [code], redirect_uris, contacts; `extra` is the
 * module's addition (e.g. id_token_signed_response_alg).
 */
export async function registerDynamically(
  op: ConformanceOp,
  { auth = 'client_secret_basic', extra = {} }: { auth?: ClientAuth; extra?: Record<string, unknown> } = {},
): Promise<{
  readonly status: number;
  readonly contentType: string;
  readonly body: Record<string, unknown>;
  readonly request: Record<string, unknown>;
}> {
  // GenerateRS256ClientJWKs: the client's own signing key, of which only the public half is registered.
  const publicJwk = await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey);
  const request = {
    client_name: `OIDF Conformance Test ${random('module')}`,
    grant_types: ['authorization_code'],
    jwks: { keys: [{ ...publicJwk, use: 'sig', alg: 'RS256', kid: random('kid') }] },
    token_endpoint_auth_method: auth,
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    contacts: ['certification@oidf.org'],
    ...extra,
  };
  const response = await fetch(String(op.metadata.registration_endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(request),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: (await response.json()) as Record<string, unknown>,
    request,
  };
}

/**
 * CallDynamicRegistrationEndpointAndVerifySuccessfulResponse, FAILURE level: EnsureContentTypeJson,
 * EnsureHttpStatusCodeIs201, CheckNoErrorFromDynamicRegistrationEndpoint (OIDCR-3.2),
 * VerifyClientManagementCredentials (both registration_client_uri and registration_access_token or
 * neither; the URI must be https, which holds with an https issuer: here the test OP runs on
 * http, so we check that the URI is the issuer's own), VerifyDynamicRegistrationResponseClientCredentials
 * (client_secret_expires_at with a client_secret).
 */
export function registrationProblems(op: ConformanceOp, registration: Awaited<ReturnType<typeof registerDynamically>>): string[] {
  const problems: string[] = [];
  const { body } = registration;
  if (registration.status !== 201) problems.push(`EnsureHttpStatusCodeIs201: ${registration.status} ${JSON.stringify(body)}`);
  if (registration.contentType.split(';')[0]?.trim() !== 'application/json')
    problems.push(`EnsureContentTypeJson: ${registration.contentType}`);
  if (body.error !== undefined) problems.push(`CheckNoErrorFromDynamicRegistrationEndpoint: ${JSON.stringify(body.error)}`);
  if (typeof body.client_id !== 'string') problems.push('no client_id');
  const uri = body.registration_client_uri;
  const token = body.registration_access_token;
  if ((uri === undefined) !== (token === undefined))
    problems.push('VerifyClientManagementCredentials: one of registration_client_uri and registration_access_token without the other');
  if (uri !== undefined && !(typeof uri === 'string' && uri.startsWith(`${op.issuer}/`)))
    problems.push(`VerifyClientManagementCredentials: registration_client_uri ${JSON.stringify(uri)}`);
  if (token !== undefined && !(typeof token === 'string' && token !== ''))
    problems.push('VerifyClientManagementCredentials: empty registration_access_token');
  if (body.client_secret !== undefined && typeof body.client_secret_expires_at !== 'number')
    problems.push('VerifyDynamicRegistrationResponseClientCredentials: no client_secret_expires_at');
  return problems;
}

/** UnregisterDynamicallyRegisteredClient (cleanup, a WARNING): DELETE registration_client_uri with the registration access token, 204. */
export async function unregisterDynamically(body: Record<string, unknown>): Promise<number> {
  const response = await fetch(String(body.registration_client_uri), {
    method: 'DELETE',
    headers: { accept: 'application/json', authorization: `Bearer ${String(body.registration_access_token)}` },
  });
  return response.status;
}

/** The dynamically registered client as the flow helpers take it. */
export const dynamicClient = (body: Record<string, unknown>, auth: ClientAuth = 'client_secret_basic'): ConformanceClient => ({
  clientId: String(body.client_id),
  clientSecret: String(body.client_secret),
  auth,
});

/** What `configure` checks before every module (CheckServerConfiguration, FetchServerKeys, CheckForKeyIdInServerJWKs OIDCC-10.1, CheckDistinctKeyIdValueInServerJWKs RFC7517-4.5). */
export async function configurationProblems(op: ConformanceOp): Promise<string[]> {
  const problems: string[] = [];
  for (const name of ['authorization_endpoint', 'token_endpoint', 'issuer'])
    if (typeof op.metadata[name] !== 'string') problems.push(`CheckServerConfiguration: no ${name}`);
  const response = await fetch(String(op.metadata.jwks_uri));
  if (response.status !== 200) return [...problems, `FetchServerKeys: ${response.status}`];
  const { keys } = (await response.json()) as { keys?: Record<string, unknown>[] };
  if (!Array.isArray(keys) || keys.length === 0) return [...problems, 'FetchServerKeys: no keys'];
  const kids = keys.map((key) => key.kid);
  if (kids.some((kid) => typeof kid !== 'string' || kid === '')) problems.push('CheckForKeyIdInServerJWKs: a key without kid');
  if (new Set(kids).size !== kids.length) problems.push('CheckDistinctKeyIdValueInServerJWKs: duplicate kid');
  return problems;
}

/** Every FAILURE-level check of AbstractOIDCCServerTest's happy path for response_type=code, in one list. */
export function baseFlowProblems(op: ConformanceOp, flow: ModuleFlow, responseMode: ResponseMode): string[] {
  return [
    ...deliveryProblems(flow.outcome, responseMode),
    ...successResponseProblems(op, flow.params, flow.parameters.state),
    ...tokenResponseProblems(flow.tokens),
    ...idTokenProblems(flow.idToken.payload, { nonce: flow.parameters.nonce }),
    ...(flow.resource.status === 200
      ? []
      : [`requestProtectedResource, EnsureHttpStatusCodeIs200: ${flow.resource.status} ${flow.resource.text}`]),
  ];
}
