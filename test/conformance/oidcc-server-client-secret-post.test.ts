import { startConformanceOp, tokenRequest, type ConformanceOp } from '../support/conformance.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { baseFlowProblems, configurationProblems, moduleFlow, RESPONSE_MODES, type ModuleFlow } from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-server-client-secret-post
 * (OIDCCServerTestClientSecretPost, "OP-ClientAuth-SecretPost"): AbstractOIDCCServerTest's happy code
 * flow (without OIDCCServerTest's extra checks) with the plan's second static client, registered for
 * client_secret_post, which sends client_id and client_secret in the token request body
 * (AddFormBasedClientSecretToRequest).
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp({ auth: 'client_secret_post' });
});
afterAll(() => op.close());

test('configure: CheckServerConfiguration, FetchServerKeys, CheckForKeyIdInServerJWKs (OIDCC-10.1), CheckDistinctKeyIdValueInServerJWKs (RFC7517-4.5)', async () => {
  expect(await configurationProblems(op)).toEqual([]);
});

test('configure: EnsureServerConfigurationSupportsClientSecretPost (token_endpoint_auth_methods_supported lists it)', () => {
  expect(op.metadata.token_endpoint_auth_methods_supported).toContain('client_secret_post');
});

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let flow: ModuleFlow;
  beforeAll(async () => {
    flow = await moduleFlow(op, { responseMode });
  });

  test('AbstractOIDCCServerTest: authorization response, code exchange authenticated with client_secret_post, PerformStandardIdTokenChecks, userinfo 200', () => {
    expect(op.client.auth).toBe('client_secret_post');
    expect(baseFlowProblems(op, flow, responseMode)).toEqual([]);
  });
});

test('beyond the module: the client_secret_post client is held to its method: the same secret by HTTP Basic is refused (invalid_client)', async () => {
  const refused = await tokenRequest(
    op,
    { grant_type: 'authorization_code', code: 'unused', redirect_uri: REDIRECT_URI },
    { ...op.client, auth: 'client_secret_basic' },
  );
  expect([refused.status, refused.json.error]).toEqual([401, 'invalid_client']);
});
