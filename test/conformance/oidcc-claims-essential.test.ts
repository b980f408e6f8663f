import { startConformanceOp, userinfo, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, expectStandardClaims, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-claims-essential (OIDCCClaimsEssential,
 * OP-claims-essential; AbstractOIDCCReturnedClaimsServerTest, whose scope skip it turns off): the code
 * flow with scope=openid and `claims={"userinfo":{"name":{"essential":true}}}`
 * (AddUserInfoEssentialNameClaimToAuthorizationEndpointRequest, OIDCC-5.5, 5.5.1), which must succeed.
 * Then userinfo: EnsureHttpStatusCodeIs200, ValidateUserInfoStandardClaims (OIDCC-5.1),
 * EnsureUserInfoContainsSub (OIDCC-5.3.2), EnsureUserInfoUpdatedAtValid, and
 * EnsureMemberValuesInClaimNameReferenceToMemberNamesInClaimSources (OIDCC-5.6.2), and
 * VerifyUserInfoAndIdTokenInTokenEndpointSameSub (OIDCC-5.3.2), all FAILURE-level. Two WARNINGs:
 * EnsureIdTokenDoesNotContainName and EnsureUserInfoContainsName, both met: the `claims` parameter
 * is supported, and the consent page names the claims asked for.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

const CLAIMS = JSON.stringify({ userinfo: { name: { essential: true } } });

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: AddUserInfoEssentialNameClaimToAuthorizationEndpointRequest (OIDCC-5.5, 5.5.1): the flow succeeds and userinfo is valid (OIDCC-5.1, 5.3.2, 5.6.2)`, async () => {
    const flow = await basicFlow(op, mode, { extra: { claims: CLAIMS } });
    const info = await userinfo(op, flow.accessToken);
    expect(info.status).toBe(200);
    expectStandardClaims(info.json);
    expect(info.json.sub).toEqual(expect.stringMatching(/\S/));
    expect(info.json.sub).toBe(flow.claims.sub);
    const names = (info.json._claim_names ?? {}) as Record<string, string>;
    const sources = (info.json._claim_sources ?? {}) as Record<string, unknown>;
    for (const source of Object.values(names)) expect(Object.keys(sources)).toContain(source);
    // EnsureIdTokenDoesNotContainName (WARNING, met): name was asked for in userinfo only.
    expect(flow.claims).not.toHaveProperty('name');
  });

  test(`${planOf(mode)}: EnsureUserInfoContainsName (WARNING, met): claims_parameter_supported, and userinfo carries the essential name`, async () => {
    expect(op.metadata.claims_parameter_supported).toBe(true);
    const flow = await basicFlow(op, mode, { extra: { claims: CLAIMS } });
    const info = await userinfo(op, flow.accessToken);
    expect(info.json.name).toEqual(expect.stringMatching(/\S/));
  });
});
