import { httpsGet, selfSignedCertificate } from '../support/tls.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * OIDF conformance, Config OP plan (oidcc-config-certification-test-plan), module
 * oidcc-discovery-endpoint-verification: what it fetches (the discovery document and the JWKS,
 * over https) and every check it makes, FAILURE-level ones as hard expectations.
 */
const certificate = selfSignedCertificate('conformance.portcullis.test');
let server: TestServer;
let metadata: Record<string, unknown>;
let status: number;
let contentType: string;

beforeAll(async () => {
  server = await startTestServer({ TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile }, { https: true });
  const answer = await httpsGet(`${server.issuer}/.well-known/openid-configuration`, [certificate.cert]);
  status = answer.status;
  contentType = String(answer.headers['content-type']);
  metadata = JSON.parse(answer.body) as Record<string, unknown>;
});
afterAll(() => server.close());

const list = (name: string): string[] => (Array.isArray(metadata[name]) ? (metadata[name] as string[]) : []);
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'registration_endpoint', 'end_session_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'pushed_authorization_request_endpoint', 'device_authorization_endpoint'];

test('EnsureDiscoveryEndpointResponseStatusCodeIs200, CheckDiscoveryEndpointReturnedJsonContentType (OIDCD-4)', () => {
  expect(status).toBe(200);
  expect(contentType).toMatch(/^application\/json\b/);
});

test('OIDCCCheckDiscEndpointResponseTypesSupported (OIDCD-3, OIDCC-3): code', () => {
  expect(list('response_types_supported')).toContain('code');
});

test('CheckDiscEndpointDiscoveryUrl and CheckDiscEndpointIssuer (OIDCD-4.3, 7.2): the issuer is the discovery URL without the well-known suffix', () => {
  expect(metadata.issuer).toBe(server.issuer);
  expect(`${String(metadata.issuer)}/.well-known/openid-configuration`).toBe(`${server.issuer}/.well-known/openid-configuration`);
});

test('CheckDiscEndpointSubjectTypesSupported (OIDCD-3): only public and pairwise, at least one', () => {
  const types = list('subject_types_supported');
  expect(types.length).toBeGreaterThan(0);
  for (const type of types) expect(['public', 'pairwise']).toContain(type);
});

test('OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported (OIDCD-3): RS256, never none', () => {
  expect(list('id_token_signing_alg_values_supported')).toContain('RS256');
  expect(list('id_token_signing_alg_values_supported')).not.toContain('none');
});

test('OIDCCCheckDiscEndpointUserinfoSigningAlgValuesSupported (OIDCD-3), when present: known algorithms', () => {
  for (const alg of list('userinfo_signing_alg_values_supported')) expect(alg).toMatch(/^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$|^none$/);
});

test('CheckDiscEndpointAuthorizationEndpoint, TokenEndpoint, UserinfoEndpoint, RegistrationEndpoint (OIDCD-3): https URLs on the issuer', () => {
  for (const name of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint']) expect(String(metadata[name])).toMatch(new RegExp(`^${server.issuer}/`));
  if (metadata.registration_endpoint !== undefined) expect(metadata.registration_endpoint).toEqual(expect.stringMatching(/^https:\/\//));
});

test('CheckJwksUri, FetchServerKeys, ValidateServerJWKs, EnsureServerJwksDoesNotContainPrivateOrSymmetricKeys (RFC 7518 6.3.2.1)', async () => {
  expect(String(metadata.jwks_uri)).toMatch(/^https:\/\//);
  const answer = await httpsGet(String(metadata.jwks_uri), [certificate.cert]);
  expect(answer.status).toBe(200);
  const { keys } = JSON.parse(answer.body) as { keys: Record<string, unknown>[] };
  expect(keys.length).toBeGreaterThan(0);
  const kids = keys.map((key) => key.kid);
  expect(new Set(kids).size).toBe(kids.length);
  for (const key of keys) {
    expect(['RSA', 'EC', 'OKP']).toContain(key.kty);
    expect(typeof key.kid).toBe('string');
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
    if (key.use !== undefined) expect(key.use).toBe('sig');
  }
});

test('CheckDiscEndpointRequestParameterSupported, RequestUriParameterSupported, RequestObjectSigningAlgValuesSupportedIncludesRS256, ClaimsParameterSupported', () => {
  expect(metadata.request_parameter_supported).toBe(true);
  expect(typeof metadata.request_uri_parameter_supported).toBe('boolean');
  expect(list('request_object_signing_alg_values_supported')).toContain('RS256');
  // Beyond the module: client secrets are stored hashed, so no symmetric algorithm is offered.
  for (const alg of [...list('request_object_signing_alg_values_supported'), ...list('token_endpoint_auth_signing_alg_values_supported')]) expect(alg).not.toMatch(/^HS/);
  expect(typeof metadata.claims_parameter_supported).toBe('boolean');
});

test('OIDCCCheckDiscEndpointClaimsSupported (OIDCD-3): the standard claims we release are listed', () => {
  expect(list('claims_supported')).toEqual(expect.arrayContaining(['sub', 'iss', 'email', 'email_verified', 'name']));
});

test('OIDCCCheckDiscEndpointGrantTypesSupported (OIDCD-3): authorization_code', () => {
  expect(list('grant_types_supported')).toContain('authorization_code');
});

test('CheckDiscEndpointScopesSupportedContainsOpenId (OIDCD-3)', () => {
  expect(list('scopes_supported')).toContain('openid');
});

test('CheckDiscEndpointAllEndpointsAreHttps: every endpoint in the document', () => {
  const endpoints = ENDPOINTS.filter((name) => metadata[name] !== undefined);
  expect(endpoints.length).toBeGreaterThan(5);
  for (const name of endpoints) expect({ name, url: metadata[name] }).toEqual({ name, url: expect.stringMatching(/^https:\/\//) });
  for (const [name, value] of Object.entries(metadata)) if (name.endsWith('_endpoint') || name.endsWith('_uri')) expect({ name, url: value }).toEqual({ name, url: expect.stringMatching(/^https:\/\//) });
});
