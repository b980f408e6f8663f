import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { Browser } from './browser.ts';
import { authorizationUrl, authorize, callbackParams, codeRequest, startConformanceOp, verifyIdToken, type ConformanceClient, type ConformanceOp, type JsonAnswer } from './conformance.ts';
import { REDIRECT_URI } from './flows.ts';
import { selfSignedCertificate } from './tls.ts';

/**
 * What the OIDF Dynamic OP plan's modules (client_registration=dynamic_client, private_key_jwt,
 * server_metadata=discovery) share on top of test/support/conformance.ts: the suite's own https
 * server (the client's jwks_uri, sector_identifier_uri and request_uri documents) on loopback,
 * an OP with open registration that may fetch from it (OUTBOUND_ALLOW_HOSTS), the registration
 * request OIDCCCreateDynamicClientRegistrationRequest builds, and private_key_jwt client
 * assertions (CreateClientAuthenticationAssertionClaims, SignClientAuthenticationAssertion).
 */

/** An RS256 client key: GenerateRS256ClientJWKs (no kid) or GenerateRS256ClientJWKsWithKeyID (thumbprint kid). */
export interface ClientKey {
  readonly privateKey: CryptoKey;
  /** The public JWK as the suite publishes it: `use` sig, `alg` RS256, and the kid if any. */
  readonly publicJwk: JWK;
  readonly kid: string | undefined;
}

export async function rs256Key({ withKid = false }: { withKid?: boolean } = {}): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  const exported = await exportJWK(publicKey);
  const kid = withKid ? await calculateJwkThumbprint(exported) : undefined;
  return { privateKey, publicJwk: { ...exported, use: 'sig', alg: 'RS256', ...(kid ? { kid } : {}) }, kid };
}

export const jwksOf = (...keys: ClientKey[]) => ({ keys: keys.map((key) => key.publicJwk) });

export interface Served {
  readonly status?: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
  /** Answers this late (the OP may have given up by then). */
  readonly delayMs?: number;
}

/** The suite's side of the conversation: a loopback https server whose documents each test sets. */
export interface RpServer {
  /** `127.0.0.1:port`, what OUTBOUND_ALLOW_HOSTS lists. */
  readonly host: string;
  url(path: string): string;
  serve(path: string, answer: () => Served): void;
  /** How many times the OP fetched the path. */
  hits(path: string): number;
  close(): Promise<void>;
}

export const json = (value: unknown): Served => ({ contentType: 'application/json', body: JSON.stringify(value) });

/** Adds the test's own certificate to this process's default CAs, which the in-process OP's outgoing fetches use too. */
function trust(cert: string): void {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), cert]);
}

export async function startRpServer(certificate: { cert: string; key: string }): Promise<RpServer> {
  const routes = new Map<string, () => Served>();
  const counts = new Map<string, number>();
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (request: IncomingMessage, response) => {
    const path = new URL(request.url ?? '/', 'http://rp').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const answer = routes.get(path);
    if (!answer) {
      response.writeHead(404).end();
      return;
    }
    const served = answer();
    const send = () => void response.writeHead(served.status ?? 200, { 'content-type': served.contentType, ...served.headers }).end(served.body);
    if (!served.delayMs) return send();
    setTimeout(() => {
      if (!response.destroyed) send();
    }, served.delayMs).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    url: (path) => `https://${host}${path}`,
    serve: (path, answer) => void routes.set(path, answer),
    hits: (path) => counts.get(path) ?? 0,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** A suite-side server whose self-signed certificate this process trusts (see startDynamicOp). */
export async function startTrustedRpServer(): Promise<RpServer> {
  const certificate = selfSignedCertificate('conformance.portcullis.test');
  trust(certificate.cert);
  return startRpServer(certificate);
}

export interface DynamicOp extends ConformanceOp {
  readonly rp: RpServer;
}

/**
 * An OP over native TLS with REGISTRATION=open that may fetch from the suite's loopback server,
 * and that server. Both are https, as in the suite: sector_identifier_uri must be https (OIDC
 * Registration 2) and VerifyClientManagementCredentials wants an https registration_client_uri.
 * Their self-signed certificate joins this process's default CAs, so the test's fetches and the
 * OP's outgoing ones trust it; nothing else becomes trusted. The static client startConformanceOp
 * registers is not used by these modules.
 */
export async function startDynamicOp(overrides: Record<string, string> = {}): Promise<DynamicOp> {
  const certificate = selfSignedCertificate('conformance.portcullis.test');
  trust(certificate.cert);
  const rp = await startRpServer(certificate);
  const op = await startConformanceOp({
    https: true,
    overrides: {
      TLS_CERT_FILE: certificate.certFile,
      TLS_KEY_FILE: certificate.keyFile,
      REGISTRATION: 'open',
      REGISTRATION_RATE_LIMIT: '1000',
      OUTBOUND_ALLOW_HOSTS: rp.host,
      ...overrides,
    },
  });
  return {
    ...op,
    rp,
    async close() {
      await op.close();
      await rp.close();
    },
  };
}

/**
 * OIDCCCreateDynamicClientRegistrationRequest for response_type=code and private_key_jwt:
 * client_name, grant_types [authorization_code], jwks (public), token_endpoint_auth_method,
 * response_types [code], redirect_uris [the redirect URI], contacts.
 */
export function registrationRequest(key: ClientKey, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_name: `oidcc dynamic ${randomBytes(4).toString('hex')}`,
    grant_types: ['authorization_code'],
    jwks: jwksOf(key),
    token_endpoint_auth_method: 'private_key_jwt',
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
    contacts: ['certification@oidf.org'],
    ...extra,
  };
}

const jsonAnswer = async (response: Response): Promise<JsonAnswer> => {
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { non_json_body: text };
  }
  return { status: response.status, headers: response.headers, json: body };
};

/** CallDynamicRegistrationEndpoint: POST the request as JSON to registration_endpoint. */
export async function register(op: ConformanceOp, request: Record<string, unknown>): Promise<JsonAnswer> {
  return jsonAnswer(
    await fetch(String(op.metadata.registration_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request),
    }),
  );
}

export interface DynamicClient {
  readonly clientId: string;
  /** The registration response (ExtractDynamicRegistrationResponse). */
  readonly registered: Record<string, unknown>;
  readonly request: Record<string, unknown>;
  /** The key assertions and request objects are signed with; RP key rotation replaces it. */
  key: ClientKey;
}

/**
 * CallDynamicRegistrationEndpointAndVerifySuccessfulResponse (OIDC Registration 3.2), FAILURE-level
 * throughout: EnsureContentTypeJson, EnsureHttpStatusCodeIs201, CheckNoErrorFromDynamicRegistrationEndpoint,
 * ExtractDynamicRegistrationResponse (a client_id), VerifyClientManagementCredentials (the condition
 * accepts neither; Portcullis always sends both: an https registration_client_uri and a non-empty
 * registration_access_token, RFC 7592 3), VerifyDynamicRegistrationResponseClientCredentials (a
 * client_secret comes with client_secret_expires_at).
 */
export function expectRegistrationSucceeded(answer: JsonAnswer): void {
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect([answer.status, answer.json.error]).toEqual([201, undefined]);
  expect(answer.json.client_id).toEqual(expect.any(String));
  expect(String(answer.json.registration_client_uri)).toMatch(/^https:\/\//);
  expect(answer.json.registration_access_token).toEqual(expect.stringMatching(/.+/));
  if (answer.json.client_secret !== undefined) expect(answer.json.client_secret_expires_at).toEqual(expect.any(Number));
}

/** Registers the module's client and checks the answer as the suite does; the module stops if it fails. */
export async function registerClient(op: ConformanceOp, key: ClientKey, extra: Record<string, unknown> = {}): Promise<DynamicClient> {
  const request = registrationRequest(key, extra);
  const answer = await register(op, request);
  expectRegistrationSucceeded(answer);
  return { clientId: String(answer.json.client_id), registered: answer.json, request, key };
}

/**
 * UnregisterDynamicallyRegisteredClient (the modules' cleanup, a WARNING if it fails): DELETE at
 * registration_client_uri with the registration access token, 204. Then, beyond the module, a read
 * with the same token, which RFC 7592 2.3 wants refused (401) once the client is gone.
 */
export async function unregister(client: DynamicClient): Promise<{ deleted: number; readAfter: number }> {
  const call = async (method: string) => {
    const response = await fetch(String(client.registered.registration_client_uri), {
      method,
      headers: { accept: 'application/json', authorization: `Bearer ${String(client.registered.registration_access_token)}` },
    });
    await response.arrayBuffer();
    return response.status;
  };
  const deleted = await call('DELETE');
  return { deleted, readAfter: await call('GET') };
}

/** A signed JWT with the client's key: RS256, the key's kid in the header when it has one (AbstractSignJWT). */
export const signWithClientKey = (key: ClientKey, claims: Record<string, unknown>): Promise<string> =>
  new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(key.kid ? { kid: key.kid } : {}) }).sign(key.privateKey);

/**
 * CreateClientAuthenticationAssertionClaims + SignClientAuthenticationAssertion: iss and sub the
 * client_id, aud the token endpoint (or `aud`), a random jti, nbf and iat now, exp in 60 s.
 */
export async function clientAssertion(op: ConformanceOp, client: DynamicClient, { aud = String(op.metadata.token_endpoint) }: { aud?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signWithClientKey(client.key, { iss: client.clientId, sub: client.clientId, aud, jti: randomBytes(15).toString('base64url'), nbf: now, iat: now, exp: now + 60 });
}

/** A token endpoint request with private_key_jwt client authentication (AddClientAssertionToRequest). */
export async function tokenRequest(op: ConformanceOp, client: DynamicClient, body: Record<string, string>, { aud }: { aud?: string } = {}): Promise<JsonAnswer> {
  const form = new URLSearchParams(body);
  form.set('client_assertion', await clientAssertion(op, client, aud ? { aud } : {}));
  form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  return jsonAnswer(
    await fetch(String(op.metadata.token_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
    }),
  );
}

/** The shared helpers take a client by its id only. */
export const asConformanceClient = (client: DynamicClient): ConformanceClient => ({ clientId: client.clientId, clientSecret: '', auth: 'client_secret_post' });

/** The module's authorization request (CreateAuthorizationRequestSteps): code, the client, its redirect URI, openid, state, nonce. */
export const dynamicCodeRequest = (op: ConformanceOp, client: DynamicClient, extra: Record<string, string> = {}) => codeRequest(op, asConformanceClient(client), extra);

const STRING_CLAIMS = ['sub', 'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'email', 'gender', 'zoneinfo', 'locale', 'phone_number'];

/**
 * ValidateIdTokenStandardClaims / ValidateUserInfoStandardClaims (OIDCC-5.1): the standard claims
 * present have their types; EnsureIdTokenUpdatedAtValid / EnsureUserInfoUpdatedAtValid: updated_at,
 * when present, is after 1990 and not in the future.
 */
export function expectStandardClaims(claims: Record<string, unknown>): void {
  for (const name of STRING_CLAIMS) if (claims[name] !== undefined) expect({ [name]: typeof claims[name] }).toEqual({ [name]: 'string' });
  for (const name of ['email_verified', 'phone_number_verified']) if (claims[name] !== undefined) expect({ [name]: typeof claims[name] }).toEqual({ [name]: 'boolean' });
  if (claims.updated_at !== undefined) {
    expect(typeof claims.updated_at).toBe('number');
    expect(claims.updated_at as number).toBeGreaterThan(Date.UTC(1990, 0, 1) / 1000);
    expect(claims.updated_at as number).toBeLessThanOrEqual(Date.now() / 1000 + 300);
  }
}

/**
 * PerformStandardIdTokenChecks for the dynamic client: ValidateIdToken, ValidateIdTokenSignature,
 * ValidateIdTokenNonce, CheckForSubjectInIdToken (verifyIdToken), ValidateIdTokenStandardClaims and
 * EnsureIdTokenUpdatedAtValid; ValidateIdTokenACRClaimAgainstRequest has nothing to check (no acr requested).
 */
export async function verifyDynamicIdToken(op: ConformanceOp, client: DynamicClient, idToken: string, nonce?: string) {
  const verified = await verifyIdToken(op, idToken, { client: asConformanceClient(client), ...(nonce ? { nonce } : {}) });
  expectStandardClaims(verified.payload);
  return verified;
}

/**
 * AbstractOIDCCServerTest.onAuthorizationCallbackResponse, FAILURE-level: CheckMatchingCallbackParameters
 * (the redirect URI's own query comes back), ValidateIssIfPresentInAuthorizationResponse (OAuth2-iss-2),
 * CheckIfAuthorizationEndpointError, CheckStateInAuthorizationResponse, ExtractAuthorizationCodeFromAuthorizationResponse.
 */
export function expectSuccessfulAuthorizationResponse(op: ConformanceOp, params: URLSearchParams, request: Record<string, string>): string {
  for (const [name, value] of new URL(request.redirect_uri ?? REDIRECT_URI).searchParams) expect({ [name]: params.get(name) }).toEqual({ [name]: value });
  if (params.has('iss')) expect(params.get('iss')).toBe(op.issuer);
  expect({ error: params.get('error'), description: params.get('error_description') }).toEqual({ error: null, description: null });
  expect(params.get('state')).toBe(request.state);
  expect(params.get('code')).toEqual(expect.any(String));
  return String(params.get('code'));
}

/**
 * requestAuthorizationCode, FAILURE-level: CheckTokenEndpointHttpStatus200, CheckIfTokenEndpointResponseError,
 * CheckForAccessTokenValue, ValidateExpiresIn when expires_in is present (RFC6749-5.1),
 * ExtractIdTokenFromTokenResponse (OIDCC-3.1.3.3).
 */
export function expectSuccessfulTokenResponse(tokens: JsonAnswer): void {
  expect([tokens.status, tokens.json.error]).toEqual([200, undefined]);
  expect(tokens.json.access_token).toEqual(expect.stringMatching(/.+/));
  if (tokens.json.expires_in !== undefined) {
    expect(typeof tokens.json.expires_in).toBe('number');
    expect(tokens.json.expires_in as number).toBeGreaterThan(0);
    expect(tokens.json.expires_in as number).toBeLessThanOrEqual(31_536_000);
  }
  expect(tokens.json.id_token).toEqual(expect.any(String));
}

/** AbstractOIDCCServerTest's flow for a dynamic private_key_jwt client: authorize, check the callback, exchange, verify the ID token. */
export async function dynamicCodeFlow(
  op: ConformanceOp,
  client: DynamicClient,
  { browser = new Browser(), extra = {}, redirectUri = REDIRECT_URI }: { browser?: Browser; extra?: Record<string, string>; redirectUri?: string } = {},
) {
  const parameters = dynamicCodeRequest(op, client, { redirect_uri: redirectUri, ...extra });
  const outcome = await authorize(browser, authorizationUrl(op, parameters));
  const params = callbackParams(outcome);
  expect(outcome.kind === 'callback' && outcome.via).toBe('query');
  const code = expectSuccessfulAuthorizationResponse(op, params, parameters);
  const tokens = await tokenRequest(op, client, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  expectSuccessfulTokenResponse(tokens);
  const idToken = await verifyDynamicIdToken(op, client, String(tokens.json.id_token), parameters.nonce);
  return { browser, parameters, outcome, params, code, tokens, idToken };
}

/** Shannon entropy of a string in bits, as AbstractEnsureMinimumEntropy measures it (the modules want more than 96). */
export function shannonEntropyBits(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let bitsPerCharacter = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bitsPerCharacter -= p * Math.log2(p);
  }
  return bitsPerCharacter * value.length;
}

/** RFC 6749 appendix A.12/A.17: VSCHAR, %x20-7E. */
export const VSCHAR = /^[\x20-\x7E]+$/;
