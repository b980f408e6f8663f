import { httpsGet, selfSignedCertificate } from '../support/tls.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * OIDF conformance, RP-Initiated Logout OP plan (oidcc-rp-initiated-logout-certification-test-plan),
 * module oidcc-rp-initiated-logout-discovery-endpoint-verification
 * (OIDCCRpInitiatedLogoutDiscoveryEndpointVerification): fetches the discovery document
 * (GetDynamicServerConfiguration: a JSON object, over https here as in production) and checks that
 * every `*_endpoint` is an https URL and that end_session_endpoint is there.
 */
const certificate = selfSignedCertificate('conformance.portcullis.test');
let server: TestServer;
let metadata: Record<string, unknown>;
let status: number;

beforeAll(async () => {
  server = await startTestServer({ TLS_CERT_FILE: certificate.certFile, TLS_KEY_FILE: certificate.keyFile }, { https: true });
  const answer = await httpsGet(`${server.issuer}/.well-known/openid-configuration`, [certificate.cert]);
  status = answer.status;
  metadata = JSON.parse(answer.body) as Record<string, unknown>;
});
afterAll(() => server.close());

test('GetDynamicServerConfiguration: the discovery document is a JSON object', () => {
  expect(status).toBe(200);
  expect(typeof metadata).toBe('object');
  expect(metadata.issuer).toBe(server.issuer);
});

test('CheckDiscEndpointAllEndpointsAreHttps: every member whose name ends in _endpoint is an https URL', () => {
  const endpoints = Object.keys(metadata).filter((name) => name.endsWith('_endpoint'));
  expect(endpoints).toContain('end_session_endpoint');
  for (const name of endpoints) {
    const value = metadata[name];
    expect({ name, url: typeof value === 'string' && URL.canParse(value) ? new URL(value).protocol : value }).toEqual({ name, url: 'https:' });
  }
});

test('CheckDiscEndSessionEndpoint (OIDCBCL-3, OIDCRIL-2.1): end_session_endpoint is an https URL', () => {
  expect(typeof metadata.end_session_endpoint).toBe('string');
  expect(new URL(String(metadata.end_session_endpoint)).protocol).toBe('https:');
  expect(metadata.end_session_endpoint).toBe(`${server.issuer}/session/end`);
});
