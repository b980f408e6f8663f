import { startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import {
  baseFlowProblems,
  configurationProblems,
  dynamicClient,
  moduleFlow,
  registerDynamically,
  registrationProblems,
  RESPONSE_MODES,
  unregisterDynamically,
  type ModuleFlow,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-idtoken-signature (OIDCCIdTokenSignature,
 * "OP-IDToken-Signature" and "OP-IDToken-kid"). Not applicable to a static client: the module registers
 * its client at the registration endpoint (OIDCCCreateDynamicClientRegistrationRequest, with no
 * id_token_signed_response_alg), so the OP runs with REGISTRATION=open. Then the happy code flow; the
 * ID token must carry a kid (EnsureIdTokenContainsKid, OIDCC-10.1) and be signed with the default,
 * RS256 (EnsureIdTokenSignatureIsRS256, OIDCC-3.1.3.7); at the end the client unregisters itself.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp({ overrides: { REGISTRATION: 'open' } });
});
afterAll(() => op.close());

test('configure: CheckServerConfiguration, FetchServerKeys, CheckForKeyIdInServerJWKs (OIDCC-10.1), CheckDistinctKeyIdValueInServerJWKs (RFC7517-4.5)', async () => {
  expect(await configurationProblems(op)).toEqual([]);
});

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let registration: Awaited<ReturnType<typeof registerDynamically>>;
  let flow: ModuleFlow;
  let jwks: { keys: { kid: string; alg?: string }[] };
  beforeAll(async () => {
    registration = await registerDynamically(op);
    flow = await moduleFlow(op, { responseMode, client: dynamicClient(registration.body) });
    jwks = (await (await fetch(String(op.metadata.jwks_uri))).json()) as typeof jwks;
  });

  test('CallDynamicRegistrationEndpointAndVerifySuccessfulResponse (RFC7591-3.1, OIDCR-3.2): 201 JSON, client credentials, management credentials; no id_token_signed_response_alg asked for', () => {
    expect(registration.request).not.toHaveProperty('id_token_signed_response_alg');
    expect(registrationProblems(op, registration)).toEqual([]);
  });

  test('AbstractOIDCCServerTest with the registered client: authorization response, code exchange, PerformStandardIdTokenChecks, userinfo 200', () => {
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
  });

  test('EnsureIdTokenContainsKid (OIDCC-10.1): a kid naming a key in jwks_uri', () => {
    expect(jwks.keys.map((key) => key.kid)).toContain(flow.idToken.header.kid);
  });

  test('EnsureIdTokenSignatureIsRS256 (OIDCC-3.1.3.7): the default algorithm is RS256', () => {
    expect(flow.idToken.header.alg).toBe('RS256');
  });

  test('cleanup: UnregisterDynamicallyRegisteredClient (a WARNING): DELETE registration_client_uri is 204', async () => {
    expect(await unregisterDynamically(registration.body)).toBe(204);
  });
});
