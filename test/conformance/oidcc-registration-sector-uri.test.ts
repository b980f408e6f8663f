import { REDIRECT_URI } from '../support/flows.ts';
import { dynamicCodeFlow, json, registerClient, rs256Key, startDynamicOp, unregister, type DynamicClient, type DynamicOp } from '../support/conformance-dynamic.ts';

/**
 * OIDF conformance, Dynamic OP plan (oidcc-dynamic-certification-test-plan), module
 * oidcc-registration-sector-uri (OIDCCRegistrationSectorUri, the positive counterpart of
 * OP-Registration-Sector-Bad), private_key_jwt, discovery: skipped unless subject_types_supported
 * lists pairwise. CreateSectorRedirectUris puts the test's redirect URI in the suite's own
 * /redirect_uris.json; the plan's registration request adds subject_type=pairwise and
 * sector_identifier_uri pointing there. The registration must succeed (OIDC Registration 5: the OP
 * fetches the document and finds every registered redirect URI in it); no authorization follows.
 * The document is served over https on loopback, which OUTBOUND_ALLOW_HOSTS lets the OP reach.
 */
let op: DynamicOp;
let client: DynamicClient;
beforeAll(async () => {
  op = await startDynamicOp();
});
afterAll(() => op.close());

test('the skip condition: subject_types_supported lists pairwise, so the module runs', () => {
  expect(op.metadata.subject_types_supported).toContain('pairwise');
});

test('CreateSectorRedirectUris, AddSubjectTypePairwiseToDynamicRegistrationRequest, AddSectorIdentifierUriToDynamicRegistrationRequest: CallDynamicRegistrationEndpointAndVerifySuccessfulResponse', async () => {
  op.rp.serve('/redirect_uris.json', () => json([REDIRECT_URI]));
  client = await registerClient(op, await rs256Key(), { subject_type: 'pairwise', sector_identifier_uri: op.rp.url('/redirect_uris.json') });
  expect(client.registered).toMatchObject({ subject_type: 'pairwise', sector_identifier_uri: op.rp.url('/redirect_uris.json') });
  expect(op.rp.hits('/redirect_uris.json')).toBeGreaterThanOrEqual(1);
});

test('beyond the module (it stops at registration): the client gets a pairwise sub, not the account id', async () => {
  const flow = await dynamicCodeFlow(op, client);
  expect(flow.idToken.payload.sub).not.toBe(op.accountId);
});

test('cleanup, UnregisterDynamicallyRegisteredClient (WARNING): 204, then the client is gone (RFC 7592 2.3)', async () => {
  expect(await unregister(client)).toEqual({ deleted: 204, readAfter: 401 });
});
