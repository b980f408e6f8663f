import { ClientRegistry, InvalidClientMetadataError, type ClientValidator } from '../../src/clients/client-registry.ts';
import type { PrismaClient } from '../../src/generated/prisma/client.ts';

/** The registry's own policy, before anything reaches the database (which this test replaces). */
const created: Array<Record<string, unknown>> = [];
const prisma = {
  client: {
    createMany: async ({ data }: { data: Array<Record<string, unknown>> }) => {
      created.push(...data);
      return { count: data.length };
    },
  },
} as unknown as PrismaClient;
const validator: ClientValidator = {
  normalize: async (metadata) => ({ token_endpoint_auth_method: 'client_secret_basic', ...metadata }),
  needsSecret: (metadata) => metadata.token_endpoint_auth_method !== 'none',
};
const registry = new ClientRegistry(prisma, { validator: () => validator });
const productionRegistry = new ClientRegistry(prisma, { validator: () => validator, production: true });

describe('client registration policy', () => {
  test.each([
    [{ response_types: ['token'] }, /response_types/],
    [{ response_types: ['code id_token'] }, /response_types/],
    [{ grant_types: ['implicit'] }, /grant_types/],
    [{ grant_types: ['password'] }, /grant_types/],
    [{ client_id: 'a b' }, /client_id/],
    [{ client_secret: 'short' }, /client_secret/],
    // F2: RFC 6749 section 4.4, confidential clients only.
    [{ grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }, /client_credentials needs a confidential client/],
    // F13: a UUID is an account id, and a machine token's sub is its client_id.
    [{ client_id: '0b6f3f64-3f1c-4a53-9b0e-2f0c8d1f1a11' }, /must not be a UUID/],
    // F10: secrets are stored hashed, so nothing may need the plain secret.
    [{ token_endpoint_auth_method: 'client_secret_jwt' }, /client_secret_jwt/],
    [{ id_token_signed_response_alg: 'HS256' }, /symmetric/],
    [{ scope: 42 }, /scope/],
    [{ scope: 'api:read bad"scope' }, /scope/],
    [{ audience: 'https://api.example' }, /audience/],
    [{ audience: ['not a uri'] }, /audience/],
  ])('refuses %j', async (metadata, message) => {
    await expect(registry.create({ redirect_uris: ['https://a.example/cb'], ...metadata })).rejects.toThrow(message);
    await expect(registry.create({ redirect_uris: ['https://a.example/cb'], ...metadata })).rejects.toBeInstanceOf(InvalidClientMetadataError);
  });

  test('refuses something that is not an object', async () => {
    await expect(registry.create([1, 2])).rejects.toBeInstanceOf(InvalidClientMetadataError);
    await expect(registry.create(null)).rejects.toBeInstanceOf(InvalidClientMetadataError);
  });

  test('scope and audience are kept as given, deduplicated', async () => {
    const response = await registry.create({ redirect_uris: ['https://a.example/cb'], scope: 'openid api:read  api:read', audience: ['https://api.example', 'https://api.example'] });
    expect(response.scope).toBe('openid api:read');
    expect(response.audience).toEqual(['https://api.example']);
  });

  test('only a hash of the secret is stored', async () => {
    const response = await registry.create({ redirect_uris: ['https://a.example/cb'] });
    const row = created.at(-1)!;
    expect(JSON.stringify(row)).not.toContain(response.client_secret!);
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ['https://*.example.com/cb', /wildcards/],
    ['http://app.example.com/cb', /plain http/],
  ])('production refuses redirect URI %s; development warns', async (uri, message) => {
    await expect(productionRegistry.create({ redirect_uris: [uri] })).rejects.toThrow(message);
    expect(registry.warningsFor({ redirect_uris: [uri] })).toEqual([expect.stringMatching(message)]);
    await expect(registry.create({ redirect_uris: [uri] })).resolves.toMatchObject({ redirect_uris: [uri] });
  });

  test('loopback http redirect URIs are fine in production (RFC 8252)', async () => {
    await expect(productionRegistry.create({ redirect_uris: ['http://127.0.0.1:8080/cb', 'http://localhost/cb'] })).resolves.toBeDefined();
  });

  test('issues a client_id and a strong secret for confidential clients', async () => {
    const response = await registry.create({ redirect_uris: ['https://a.example/cb'] });
    expect(response.client_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(response.client_secret!.length).toBeGreaterThanOrEqual(43);
    expect(response.client_secret_expires_at).toBe(0);
  });

  test('public clients get no secret, even if one is sent', async () => {
    const response = await registry.create({ redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none', client_secret: 'x'.repeat(40) });
    expect(response.client_secret).toBeUndefined();
  });

  test('server-managed fields in the input are ignored', async () => {
    const response = await registry.create({ redirect_uris: ['https://a.example/cb'], client_id_issued_at: 1, registration_access_token: 'x' });
    expect(response.client_id_issued_at).not.toBe(1);
    expect(response).not.toHaveProperty('registration_access_token');
  });
});
