import { codeRequest, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { basicFlow, planOf, RESPONSE_MODES } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-ensure-post-request-succeeds
 * (OIDCCEnsurePostRequestSucceeds): the browser sends the authorization request as a form POST to
 * the authorization endpoint (OIDCC-3.1.2.1: the endpoint supports GET and POST); the flow must
 * complete, ExpectRedirectUriHasBeenCalled (a WARNING after 30 s) wanting the redirect URI called.
 * Portcullis answers the POST with 303 to the same request by GET
 * (docs/adr/0012-authorization-by-post.md), and the flow then goes on as usual.
 */
let op: ConformanceOp;

beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: a POST authorization request (OIDCC-3.1.2.1) reaches the redirect URI (ExpectRedirectUriHasBeenCalled) and the flow completes`, async () => {
    const flow = await basicFlow(op, mode, { method: 'POST' });
    expect(flow.outcome.sawLogin).toBe(true);
    expect(flow.claims.sub).toBe(op.accountId);
  });

  test(`${planOf(mode)}: the POST is answered 303 to the same request by GET`, async () => {
    const parameters = codeRequest(op, op.client, {}, mode);
    const answer = await fetch(String(op.metadata.authorization_endpoint), { method: 'POST', body: new URLSearchParams(parameters), redirect: 'manual' });
    expect(answer.status).toBe(303);
    const location = new URL(answer.headers.get('location')!, op.issuer);
    expect(`${location.origin}${location.pathname}`).toBe(String(op.metadata.authorization_endpoint));
    expect(Object.fromEntries(location.searchParams)).toEqual(parameters);
  });
});
