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
const registry = new ClientRegistry(prisma, validator);

describe('client registration policy', () => {
  test.each([
    [{ response_types: ['token'] }, /response_types/],
    [{ response_types: ['code id_token'] }, /response_types/],
    [{ grant_types: ['implicit'] }, /grant_types/],
    [{ grant_types: ['password'] }, /grant_types/],
    [{ client_id: 'a b' }, /client_id/],
    [{ client_secret: 'short' }, /client_secret/],
  ])('refuses %j', async (metadata, message) => {
    await expect(registry.create({ redirect_uris: ['https://a.example/cb'], ...metadata })).rejects.toThrow(message);
    await expect(registry.create({ redirect_uris: ['https://a.example/cb'], ...metadata })).rejects.toBeInstanceOf(InvalidClientMetadataError);
  });

  test('refuses something that is not an object', async () => {
    await expect(registry.create([1, 2])).rejects.toBeInstanceOf(InvalidClientMetadataError);
    await expect(registry.create(null)).rejects.toBeInstanceOf(InvalidClientMetadataError);
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
