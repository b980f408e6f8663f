import { Browser } from '../support/browser.ts';
import { authorize, startConformanceOp, type AuthorizationOutcome, type ConformanceOp } from '../support/conformance.ts';
import {
  deliveryProblems,
  errorResponseProblems,
  errorResponseWarnings,
  moduleRequest,
  moduleUrl,
  RESPONSE_MODES,
} from '../support/conformance-basic-a.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module oidcc-response-type-missing
 * (OIDCCResponseTypeMissing, "OP-Response-Missing"): the module's authorization request without
 * response_type (SetAuthorizationEndpointRequestResponseTypeFromEnvironment skipped), nonce and state
 * kept, response_mode=form_post in the Form Post plan. The OP may show an error page (the tester
 * uploads a screenshot, ExpectResponseTypeMissingErrorPage) or answer the client with an error:
 * Portcullis answers the client, so the test holds it to the callback's checks, RFC6749-3.1.1:
 * unsupported_response_type or invalid_request, in the query (default) or by form_post.
 */
let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.close());

describe.each(RESPONSE_MODES)('response_mode %s', (responseMode) => {
  let parameters: Record<string, string>;
  let outcome: AuthorizationOutcome;
  let params: URLSearchParams;
  beforeAll(async () => {
    parameters = moduleRequest(op, { responseMode, omit: ['response_type'] });
    outcome = await authorize(new Browser(), moduleUrl(op, parameters));
    params = outcome.kind === 'callback' ? outcome.params : new URLSearchParams();
  });

  test('the request has no response_type', () => {
    expect(parameters).not.toHaveProperty('response_type');
  });

  test('the OP answers the client before any login (instead of the allowed error page), the way the mode says: form_post checks (OAuth2-FP-2, OIDCC-3.3.2.5, OAuth2-RT-5), else the query', () => {
    expect(outcome).toMatchObject({ kind: 'callback', sawLogin: false, sawConsent: false });
    expect(deliveryProblems(outcome, responseMode)).toEqual([]);
  });

  test('performGenericAuthorizationEndpointErrorResponseValidation: CheckStateInAuthorizationResponse, ValidateIssIfPresentInAuthorizationResponse, EnsureErrorFromAuthorizationEndpointResponse, RejectAuthCodeInAuthorizationEndpointResponse (OIDCC-3.1.2.6), ValidateErrorDescription/ErrorUri (RFC6749-4.1.2.1)', () => {
    expect(errorResponseProblems(op, params, parameters.state)).toEqual([]);
  });

  test('CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint and CheckErrorDescription...ContainsCRLFTAB (WARNINGs, OIDCC-3.1.2.6)', () => {
    expect(errorResponseWarnings(params)).toEqual([]);
  });

  test('CheckErrorFromAuthorizationEndpointErrorInvalidRequestOrUnsupportedResponseType (RFC6749-3.1.1)', () => {
    expect(['invalid_request', 'unsupported_response_type']).toContain(params.get('error'));
    expect(params.get('error_description')).toMatch(/response_type/);
  });
});
