import { REDIRECT_URI } from '../support/flows.ts';
import { register, registrationRequest, rs256Key, startDynamicOp, type DynamicOp } from '../support/conformance-dynamic.ts';
import type { JsonAnswer } from '../support/conformance.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-redirect-uri-regfrag (OIDCCRedirectUriRegFrag, "OP-redirect_uri-RegFrag"), private_key_jwt,
 * discovery: AddFragmentToRedirectUri makes the redirect URI `...#foobar` and the plan's registration
 * request carries it. RFC 6749 3.1.2 forbids a fragment in a redirection endpoint, so registration
 * must fail: JSON (EnsureContentTypeJson), 400 (EnsureHttpStatusCodeIs400), and, as a warning,
 * invalid_redirect_uri or invalid_client_metadata (OIDCR-3.3). No authorization request follows.
 */
let op: DynamicOp;
let answer: JsonAnswer;
beforeAll(async () => {
  op = await startDynamicOp();
  answer = await register(op, registrationRequest(await rs256Key(), { redirect_uris: [`${REDIRECT_URI}#foobar`] }));
});
afterAll(() => op.close());

test('CallDynamicRegistrationEndpoint (RFC6749-3.1.2), EnsureContentTypeJson, EnsureHttpStatusCodeIs400', () => {
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect(answer.status).toBe(400);
  expect(answer.json.client_id).toBeUndefined();
});

test('CheckErrorFromDynamicRegistrationEndpointIsInvalidRedirectUriOrInvalidClientMetadata (WARNING, OIDCR-3.3)', () => {
  expect(['invalid_redirect_uri', 'invalid_client_metadata']).toContain(answer.json.error);
});
