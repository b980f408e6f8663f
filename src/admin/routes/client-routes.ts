import { z } from 'zod';
import { MAX_SECRET_OVERLAP_SECONDS } from '../../clients/client-registry.ts';
import type { ClientOperations } from '../../management/client-operations.ts';
import { defineRoute, noContent, type AdminRoute } from '../admin-route.ts';
import { listAnswer, listSchema, pageQuery, pageRequestOf } from '../pagination.ts';
import { safeString } from '../safe-string.ts';

const metadata = z.record(z.string(), z.unknown()).describe('RFC 7591 client metadata, plus "scope", "audience" and "admin"');
const clientPath = z.object({ client_id: safeString(128) }).strict();
const secretStatus = z
  .object({ last_used_at: z.string().nullable(), previous: z.object({ expires_at: z.string(), last_used_at: z.string().nullable() }).nullable() })
  .nullable()
  .describe('when each secret was last used (to a minute); never the secret');
const client = z.object({ client_id: z.string(), client_secret_status: secretStatus }).catchall(z.unknown());
const registration = z
  .object({ client_id: z.string(), client_secret: z.string().optional(), client_secret_expires_at: z.number().optional(), client_id_issued_at: z.number() })
  .catchall(z.unknown())
  .describe('RFC 7591 registration response; client_secret appears here and at rotation only');
const rotation = z.object({ client_secret: z.string(), previous_secret_expires_at: z.string().nullable(), client_id: z.string() });

export function clientRoutes(clients: ClientOperations): AdminRoute[] {
  return [
    defineRoute({
      method: 'POST', path: '/admin/v1/clients', operationId: 'createClient', summary: 'Register a client', group: 'clients', access: 'write',
      body: metadata,
      responses: { 201: { description: 'registered', schema: registration } },
      async handle({ body, operation }) {
        const created = await clients.create(operation, body);
        return { status: 201, body: created, headers: { location: `/admin/v1/clients/${encodeURIComponent(created.client_id)}` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/admin/v1/clients', operationId: 'listClients', summary: 'List clients (oldest first)', group: 'clients', access: 'read',
      query: pageQuery,
      responses: { 200: { description: 'a page of clients', schema: listSchema(client) } },
      handle: async ({ ctx, query }) => listAnswer(ctx, query, await clients.page(pageRequestOf(query)), (item) => item, () => clients.count()),
    }),
    defineRoute({
      method: 'GET', path: '/admin/v1/clients/{client_id}', operationId: 'getClient', summary: 'Read a client (never its secret)', group: 'clients', access: 'read',
      params: clientPath,
      responses: { 200: { description: 'the client', schema: client }, 404: { description: 'no such client' } },
      handle: async ({ params }) => ({ status: 200, body: await clients.show(params.client_id) }),
    }),
    defineRoute({
      method: 'PATCH', path: '/admin/v1/clients/{client_id}', operationId: 'updateClient', summary: "Change a client's metadata (RFC 7396 merge patch; null removes a field)", group: 'clients', access: 'write',
      params: clientPath, body: metadata, bodyType: 'application/merge-patch+json',
      responses: { 200: { description: 'the changed client; a client_secret only if it became confidential', schema: registration }, 404: { description: 'no such client' } },
      handle: async ({ params, body, operation }) => ({ status: 200, body: await clients.update(operation, params.client_id, body) }),
    }),
    defineRoute({
      method: 'DELETE', path: '/admin/v1/clients/{client_id}', operationId: 'deleteClient', summary: 'Delete a client and revoke everything it was issued', group: 'clients', access: 'write',
      params: clientPath,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such client' } },
      handle: ({ params, operation }) => noContent(clients.delete(operation, params.client_id)),
    }),
    defineRoute({
      method: 'POST', path: '/admin/v1/clients/{client_id}/rotate-secret', operationId: 'rotateClientSecret', summary: 'Issue a new client secret; the old one may keep working for a while', group: 'clients', access: 'write',
      params: clientPath,
      body: z.object({ previous_secret_valid_for: z.number().int().min(0).max(MAX_SECRET_OVERLAP_SECONDS).optional().describe('seconds the old secret keeps working (default 0)') }).strict().optional(),
      responses: { 200: { description: 'the new secret, shown once', schema: rotation }, 404: { description: 'no such client' } },
      handle: async ({ params, body, operation }) => ({ status: 200, body: await clients.rotateSecret(operation, params.client_id, { previousSecretValidFor: body?.previous_secret_valid_for ?? 0 }) }),
    }),
  ];
}
