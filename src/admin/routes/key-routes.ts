import { z } from 'zod';
import type { KeyOperations } from '../../management/key-operations.ts';
import { defineRoute, type AdminRoute } from '../admin-route.ts';

const key = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z.enum(['current', 'next', 'retired']),
  created_at: z.string(),
  activated_at: z.string().nullable(),
  retired_at: z.string().nullable(),
  published_until: z.string().nullable().describe('when a retired key leaves jwks_uri'),
  public_jwk: z.record(z.string(), z.unknown()),
});

export function keyRoutes(keys: KeyOperations): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/admin/v1/keys', operationId: 'listKeys', summary: 'The signing keys: public parts and status (current, next, retired)', group: 'keys', access: 'read',
      responses: { 200: { description: 'every stored key', schema: z.object({ items: z.array(key) }) } },
      handle: async () => ({ status: 200, body: { items: await keys.list() } }),
    }),
    defineRoute({
      method: 'POST', path: '/admin/v1/keys/rotate', operationId: 'rotateKeys', summary: 'Make a new key current on every instance; the old one stays published until its tokens expire', group: 'keys', access: 'write',
      body: z.object({}).strict().optional(),
      responses: { 200: { description: 'the keys activated and retired', schema: z.object({ activated: z.array(key), retired: z.array(key) }) } },
      handle: async ({ operation }) => ({ status: 200, body: await keys.rotate(operation) }),
    }),
  ];
}
