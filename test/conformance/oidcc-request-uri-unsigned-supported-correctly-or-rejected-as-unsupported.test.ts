import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Browser } from '../support/browser.ts';
import { authorizationUrl, authorize, codeRequest, startConformanceOp, type ConformanceOp } from '../support/conformance.ts';
import { expectAuthorizationError, expectCallback, planOf, RESPONSE_MODES, unsignedRequestObject } from '../support/conformance-basic-b.ts';

/**
 * OIDF conformance, Basic OP plan (oidcc-basic-certification-test-plan) and Form Post OP plan
 * (oidcc-formpost-basic-certification-test-plan), module
 * oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported
 * (OIDCCRequestUriUnsignedSupportedCorrectlyOrRejectedAsUnsupported, OP-request_uri-Unsigned;
 * AbstractOIDCCRequestUriServerTest). The module serves the authorization request as an unsigned
 * request object at a random `…/requesturi/<64 characters>#<hash>` (CreateRandomRequestUriWithFragment,
 * registered as the client's request_uris) and sends only `request_uri` and response_type, client_id,
 * scope, redirect_uri (BuildRequestObjectByReferenceRedirectToAuthorizationEndpoint). The OP must
 * complete the flow or answer request_uri_not_supported, which skips the module.
 *
 * Result for Portcullis: skipped, twice over. The module is not applicable to the plans'
 * static_client variant (@VariantNotApplicable: it needs dynamic registration of request_uris);
 * skipTestIfNoneUnsupported skips it when request_object_signing_alg_values_supported lacks `none`, as
 * Portcullis's does. Beyond the module: Portcullis fetches a request_uri only when the client
 * registered it in request_uris (require_request_uri_registration, src/oidc/request-by-reference.ts),
 * which the static client has not, so the URL is answered invalid_request_uri without being fetched. With no
 * state outside the object, the answer carries none; with no response_mode outside it, the answer
 * comes in the query in both plans.
 */
let op: ConformanceOp;
let objectHost: Server;
let fetched: string[] = [];
let served = '';

beforeAll(async () => {
  objectHost = createServer((request, response) => {
    fetched.push(String(request.url));
    response.writeHead(200, { 'content-type': 'application/jwt' }).end(served);
  });
  await new Promise<void>((resolve) => objectHost.listen(0, '127.0.0.1', resolve));
  const { port } = objectHost.address() as AddressInfo;
  op = await startConformanceOp({ overrides: { OUTBOUND_ALLOW_HOSTS: `127.0.0.1:${port}` } });
});
afterAll(async () => {
  await op.close();
  await new Promise((resolve) => objectHost.close(resolve));
});

test('skipTestIfNoneUnsupported: request_object_signing_alg_values_supported does not list none; request_uris must be registered', () => {
  expect(op.metadata.request_object_signing_alg_values_supported).not.toContain('none');
  expect(op.metadata.request_uri_parameter_supported).toBe(true);
  expect(op.metadata.require_request_uri_registration).toBe(true);
});

describe.each(RESPONSE_MODES)('response mode %s', (mode) => {
  test(`${planOf(mode)}: an unregistered request_uri is answered invalid_request_uri at the redirect URI, and never fetched`, async () => {
    fetched = [];
    const parameters = codeRequest(op, op.client, {}, mode);
    served = unsignedRequestObject(parameters);
    const { port } = objectHost.address() as AddressInfo;
    const requestUri = `http://127.0.0.1:${port}/requesturi/${randomBytes(48).toString('base64url')}#${createHash('sha256').update(served).digest('base64url')}`;
    const url = authorizationUrl(op, { request_uri: requestUri, response_type: 'code', client_id: op.client.clientId, scope: 'openid', redirect_uri: parameters.redirect_uri! });
    const outcome = await authorize(new Browser(), url);
    expect(outcome.sawLogin).toBe(false);
    const params = expectCallback(op, outcome, 'default', undefined);
    expect(expectAuthorizationError(params)).toBe('invalid_request_uri');
    expect(fetched).toEqual([]);
  });
});
