import type { JsonAnswer } from '../support/conformance.ts';
import { json, register, registrationRequest, rs256Key, startDynamicOp, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-sector-bad (OIDCCRegistrationSectorBad, "OP-Registration-Sector-Bad"),
 * private_key_jwt, discovery: skipped unless subject_types_supported lists pairwise.
 * CreateInvalidSectorRedirectUris makes the suite's /redirect_uris.json list only
 * https://example.com/op, not the test's redirect URI; the registration request asks for
 * subject_type=pairwise with that sector_identifier_uri. OIDC Registration 5 requires every
 * registered redirect URI to be in the document, so the OP must refuse: JSON (EnsureContentTypeJson),
 * 400 (EnsureHttpStatusCodeIs400), and, as a warning, invalid_client_metadata (OIDCR-3.3).
 */
let op: DynamicOp;
let answer: JsonAnswer;
beforeAll(async () => {
  op = await startDynamicOp();
  op.rp.serve('/redirect_uris.json', () => json(['https://example.com/op']));
  answer = await register(op, registrationRequest(await rs256Key(), { subject_type: 'pairwise', sector_identifier_uri: op.rp.url('/redirect_uris.json') }));
});
afterAll(() => op.close());

test('the skip condition: subject_types_supported lists pairwise, so the module runs', () => {
  expect(op.metadata.subject_types_supported).toContain('pairwise');
});

test('CallDynamicRegistrationEndpoint (OIDCR-5): the OP read the document, then EnsureContentTypeJson, EnsureHttpStatusCodeIs400', () => {
  expect(op.rp.hits('/redirect_uris.json')).toBeGreaterThanOrEqual(1);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
  expect(answer.status).toBe(400);
  expect(answer.json.client_id).toBeUndefined();
});

test('CheckErrorFromDynamicRegistrationEndpointIsInvalidClientMetadata (WARNING, OIDCR-3.3)', () => {
  expect(answer.json.error).toBe('invalid_client_metadata');
});
