import * as oidc from 'openid-client';
import { createKeySealer, KeyEncryptionError } from '../../src/crypto/key-sealer.ts';
import { resolveCookieKeys } from '../../src/oidc/cookie-keys.ts';
import { loadOrCreateSigningKeys } from '../../src/oidc/signing-keys.ts';
import { registerClient } from '../support/flows.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// F10: no client secret, private key or generated cookie key readable in the database.
const KEK = 'k'.repeat(43);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ KEY_ENCRYPTION_KEY: KEK });
});
afterAll(() => server.close());

/** The OAuth error code of a refusal, from the body or from the WWW-Authenticate challenge. */
const errorCode = (error: unknown): unknown => {
  const refusal = error as { error?: string; cause?: Array<{ parameters?: { error?: string } }> };
  return refusal.error ?? (Array.isArray(refusal.cause) ? refusal.cause[0]?.parameters?.error : undefined);
};
const refusalOf = (attempt: Promise<unknown>) => attempt.then(() => 'accepted', errorCode);

const rows = <T extends Record<string, unknown>>(sql: string) => server.services.db.sql.query<T>(sql);

describe('client secrets', () => {
  test('are stored only as a hash, and the client still authenticates with the secret', async () => {
    const client = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'x:y' });
    const dump = JSON.stringify(await rows('SELECT * FROM clients'));
    expect(dump).not.toContain(client.clientSecret!);
    expect(dump).toMatch(/[0-9a-f]{64}/);
    const shown = await server.services.clients.show(client.clientId);
    expect(shown).not.toHaveProperty('client_secret');
    await expect(oidc.clientCredentialsGrant(client.config, {})).resolves.toBeDefined();
  });

  test('a rotated secret replaces the old one at once', async () => {
    const client = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
    const { client_secret: fresh } = await server.services.clients.rotateSecret(client.clientId);
    expect(await refusalOf(oidc.clientCredentialsGrant(client.config, {}))).toBe('invalid_client');
    const rotated = await oidc.discovery(new URL(server.issuer), client.clientId, {}, oidc.ClientSecretBasic(fresh), { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.clientCredentialsGrant(rotated, {})).resolves.toBeDefined();
  });

  test.each([
    ['client_secret_basic', 'post'],
    ['client_secret_post', 'basic'],
  ])('a client registered with %s cannot authenticate by %s', async (method, presented) => {
    const client = await registerClient(server, { grant_types: ['client_credentials'], redirect_uris: [], response_types: [], token_endpoint_auth_method: method });
    const auth = presented === 'post' ? oidc.ClientSecretPost(client.clientSecret) : oidc.ClientSecretBasic(client.clientSecret);
    const config = await oidc.discovery(new URL(server.issuer), client.clientId, {}, auth, { execute: [oidc.allowInsecureRequests] });
    expect(await refusalOf(oidc.clientCredentialsGrant(config, {}))).toBe('invalid_client');
    const right = presented === 'post' ? oidc.ClientSecretBasic(client.clientSecret) : oidc.ClientSecretPost(client.clientSecret);
    const rightConfig = await oidc.discovery(new URL(server.issuer), client.clientId, {}, right, { execute: [oidc.allowInsecureRequests] });
    await expect(oidc.clientCredentialsGrant(rightConfig, {})).resolves.toBeDefined();
  });
});

describe('signing and cookie keys with KEY_ENCRYPTION_KEY', () => {
  test('private signing keys are sealed in the database', async () => {
    const stored = await rows<{ private_jwk: Record<string, unknown> }>('SELECT private_jwk FROM signing_keys');
    expect(stored.length).toBeGreaterThanOrEqual(2);
    for (const { private_jwk } of stored) {
      expect(private_jwk.sealed).toBe('A256GCM');
      expect(private_jwk).not.toHaveProperty('d');
    }
  });

  test('the generated cookie keys are sealed too', async () => {
    const [secret] = await rows<{ value: string }>("SELECT value FROM secrets WHERE name = 'cookie_keys'");
    expect(JSON.parse(secret!.value)).toMatchObject({ sealed: 'A256GCM' });
    expect(secret!.value).not.toContain(server.services.cookieKeys[0]!);
  });

  test('the same key opens them again; no key or another key is refused with a clear error', async () => {
    const { prisma } = server.services.db;
    const kids = (await loadOrCreateSigningKeys(prisma, createKeySealer(KEK))).map((key) => key.kid);
    expect(kids).toHaveLength(2);
    await expect(loadOrCreateSigningKeys(prisma)).rejects.toThrow(/set KEY_ENCRYPTION_KEY/);
    await expect(loadOrCreateSigningKeys(prisma, createKeySealer('another key of at least 32 characters!!'))).rejects.toBeInstanceOf(KeyEncryptionError);
    await expect(resolveCookieKeys(prisma, undefined, createKeySealer(KEK))).resolves.toEqual([...server.services.cookieKeys]);
  });

  test('keys stored in the clear are sealed once a key-encryption key is configured', async () => {
    const plain = await startTestServer();
    try {
      const { prisma } = plain.services.db;
      const before = await plain.services.db.sql.query<{ private_jwk: Record<string, unknown> }>('SELECT private_jwk FROM signing_keys');
      expect(before.every((row) => 'd' in row.private_jwk)).toBe(true);
      const keys = await loadOrCreateSigningKeys(prisma, createKeySealer(KEK));
      const after = await plain.services.db.sql.query<{ private_jwk: Record<string, unknown> }>('SELECT private_jwk FROM signing_keys');
      expect(after.every((row) => row.private_jwk.sealed === 'A256GCM')).toBe(true);
      expect((await loadOrCreateSigningKeys(prisma, createKeySealer(KEK))).map((key) => key.kid)).toEqual(keys.map((key) => key.kid));
    } finally {
      await plain.close();
    }
  });
});
