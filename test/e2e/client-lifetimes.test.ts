import * as oidc from 'openid-client';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, registerClient, signIn } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** `access_token_ttl`, `refresh_token_ttl`, `id_token_ttl` as client metadata, never beyond the server's. */
let server: TestServer;
const SERVER = { ACCESS_TOKEN_TTL: '900', REFRESH_TOKEN_TTL: '7200', ID_TOKEN_TTL: '600', CLIENT_CREDENTIALS_TTL: '300' };

beforeAll(async () => {
  server = await startTestServer(SERVER);
  await createUser(server, 'lifetimes@example.com');
});
afterAll(() => server.close());

async function userTokens(metadata: Record<string, unknown>) {
  const client = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'], ...metadata });
  const request = await authorizationRequest(client, { scope: 'openid offline_access', prompt: 'consent' });
  const tokens = await exchange(client, await signIn(new Browser(), request, 'lifetimes@example.com'), request);
  const claims = tokens.claims()!;
  const refresh = await oidc.tokenIntrospection(client.config, tokens.refresh_token!);
  return { client, tokens, idTokenLifetime: claims.exp - claims.iat, refreshLifetime: refresh.exp! - refresh.iat! };
}

test("a client's own shorter lifetimes are what its tokens get", async () => {
  const { tokens, idTokenLifetime, refreshLifetime, client } = await userTokens({ access_token_ttl: 120, refresh_token_ttl: 1800, id_token_ttl: 90 });
  expect(tokens.expires_in).toBe(120);
  expect(idTokenLifetime).toBe(90);
  expect(refreshLifetime).toBe(1800);
  // Rotation keeps what is left of the first refresh token's lifetime, not a new full one.
  const rotated = await oidc.refreshTokenGrant(client.config, tokens.refresh_token!);
  expect(rotated.expires_in).toBe(120);
  const next = await oidc.tokenIntrospection(client.config, rotated.refresh_token!);
  expect(next.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(1800);
});

test('a client without lifetimes gets the server-wide ones, and a longer one is cut to them', async () => {
  const plain = await userTokens({});
  expect(plain.tokens.expires_in).toBe(900);
  expect(plain.idTokenLifetime).toBe(600);
  expect(plain.refreshLifetime).toBe(7200);
  const greedy = await userTokens({ access_token_ttl: 86_400, refresh_token_ttl: 864_000, id_token_ttl: 86_400 });
  expect(greedy.tokens.expires_in).toBe(900);
  expect(greedy.idTokenLifetime).toBe(600);
  expect(greedy.refreshLifetime).toBe(7200);
});

test('client_credentials tokens honour the client access_token_ttl too', async () => {
  const machine = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], access_token_ttl: 45 });
  expect((await oidc.clientCredentialsGrant(machine.config)).expires_in).toBe(45);
});

test.each([[-1], [0], [1.5], ['60'], [1e12]])('a lifetime of %p is refused at registration', async (value) => {
  await expect(server.services.clients.create({ redirect_uris: ['http://127.0.0.1:9999/callback'], access_token_ttl: value })).rejects.toMatchObject({ code: 'invalid_client_metadata', message: expect.stringContaining('access_token_ttl') });
});
