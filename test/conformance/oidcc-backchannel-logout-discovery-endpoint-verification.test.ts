import { httpsGet, selfSignedCertificate } from '../support/tls.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * OIDF conformance, Back-Channel Logout OP plan (oidcc-backchannel-rp-initiated-logout-certification-test-plan),
 * module oidcc-backchannel-logout-discovery-endpoint-verification
 * (OIDCCBackchannelLogoutDiscoveryEndpointVerification): fetches the discovery document
 * (GetDynamicServerConfiguration, over https here as in production) and checks that every
 * `*_endpoint` is https, that backchannel_logout_supported and backchannel_logout_session_supported
 * are the boolean true (an absent one defaults to false and fails: certification requires `sid`),
 * and that end_session_endpoint is an https URL.
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
  expect(metadata.issuer).toBe(server.issuer);
});

test('CheckDiscEndpointAllEndpointsAreHttps: every member whose name ends in _endpoint is an https URL', () => {
  const endpoints = Object.keys(metadata).filter((name) => name.endsWith('_endpoint'));
  expect(endpoints.length).toBeGreaterThan(3);
  for (const name of endpoints) {
    const value = metadata[name];
    expect({ name, url: typeof value === 'string' && URL.canParse(value) ? new URL(value).protocol : value }).toEqual({ name, url: 'https:' });
  }
});

test('CheckDiscEndpointBackchannelLogoutSupported (OIDCBCL-2.1): backchannel_logout_supported is true, a boolean', () => {
  expect(metadata.backchannel_logout_supported).toBe(true);
});

test('CheckDiscEndpointBackchannelLogoutSessionSupported (OIDCBCL-2.1): backchannel_logout_session_supported is true, a boolean', () => {
  expect(metadata.backchannel_logout_session_supported).toBe(true);
});

test('CheckDiscEndSessionEndpoint (OIDCBCL-3, OIDCRIL-2.1): end_session_endpoint is an https URL', () => {
  expect(typeof metadata.end_session_endpoint).toBe('string');
  expect(new URL(String(metadata.end_session_endpoint)).protocol).toBe('https:');
});
