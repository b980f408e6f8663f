import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, PASSWORD, registerClient, signIn, type RegisteredClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** OIDC Core 8.1: `subject_type: pairwise` clients see a `sub` of their sector, not the account id. */
let server: TestServer;
let accountId: string;
const EMAIL = 'pairwise@example.com';
const SECTOR_A = 'http://127.0.0.1:9999/callback';
const SECTOR_A_OTHER_PATH = 'http://127.0.0.1:9999/other-app';
const SECTOR_B = 'http://localhost:9999/callback';

beforeAll(async () => {
  server = await startTestServer();
  accountId = (await createUser(server, EMAIL)).id;
});
afterAll(() => server.close());

/** Signs in through the forms and exchanges the code; returns the subjects every endpoint gives. */
async function subjectsFor(client: RegisteredClient, redirectUri: string) {
  const request = await authorizationRequest(client, { redirect_uri: redirectUri, scope: 'openid email' });
  const callback = await signIn(new Browser(), request, EMAIL, PASSWORD, (next) => next.startsWith(redirectUri));
  const tokens = await exchange(client, callback, request);
  const idTokenSub = tokens.claims()!.sub;
  const userinfo = await oidc.fetchUserInfo(client.config, tokens.access_token, idTokenSub);
  const introspected = await oidc.tokenIntrospection(client.config, tokens.access_token);
  return { idTokenSub, userinfoSub: userinfo.sub, introspectedSub: introspected.sub };
}

const pairwiseClient = (redirectUri: string) => registerClient(server, { redirect_uris: [redirectUri], subject_type: 'pairwise' });

test('a pairwise client gets one subject everywhere, not the account id; a public client gets the account id', async () => {
  const pairwise = await subjectsFor(await pairwiseClient(SECTOR_A), SECTOR_A);
  expect(pairwise.idTokenSub).not.toBe(accountId);
  expect(pairwise.userinfoSub).toBe(pairwise.idTokenSub);
  expect(pairwise.introspectedSub).toBe(pairwise.idTokenSub);

  const publicSubjects = await subjectsFor(await registerClient(server, { redirect_uris: [SECTOR_A] }), SECTOR_A);
  expect(publicSubjects).toEqual({ idTokenSub: accountId, userinfoSub: accountId, introspectedSub: accountId });
});

test('clients of one sector share the subject, another sector gets another', async () => {
  const first = await subjectsFor(await pairwiseClient(SECTOR_A), SECTOR_A);
  const sameSector = await subjectsFor(await pairwiseClient(SECTOR_A_OTHER_PATH), SECTOR_A_OTHER_PATH);
  const otherSector = await subjectsFor(await pairwiseClient(SECTOR_B), SECTOR_B);
  expect(sameSector.idTokenSub).toBe(first.idTokenSub);
  expect(otherSector.idTokenSub).not.toBe(first.idTokenSub);
  expect(otherSector.idTokenSub).not.toBe(accountId);
});

test('discovery lists both subject types; a pairwise client with redirect URIs on two hosts needs a sector_identifier_uri', async () => {
  const metadata = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { subject_types_supported: string[] };
  expect(metadata.subject_types_supported).toEqual(expect.arrayContaining(['public', 'pairwise']));
  await expect(server.services.clients.create({ redirect_uris: [SECTOR_A, SECTOR_B], subject_type: 'pairwise' })).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  await expect(
    server.services.clients.create({ redirect_uris: [SECTOR_A], subject_type: 'pairwise', sector_identifier_uri: 'http://127.0.0.1:9/sector.json' }),
  ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
});
