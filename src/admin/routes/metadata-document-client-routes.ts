import { z } from 'zod';
import type { MetadataDocumentClient } from '../../cimd/metadata-document-clients.ts';
import type { MetadataDocumentClientOperations } from '../../management/metadata-document-client-operations.ts';
import { defineRoute, type AdminRoute } from '../admin-route.ts';
import { listAnswer, listSchema, pageQuery, pageRequestOf } from '../pagination.ts';
import { safeString } from '../safe-string.ts';

const BASE = '/admin/v1/metadata-document-clients';
const client = z.object({
  client_id: z.string().describe("the metadata document's https URL"),
  host: z.string().describe('where the document is published: what the consent page shows'),
  client_name: z.string().nullable().describe('as the document last said'),
  redirect_uris: z.array(z.string()),
  first_used_at: z.string().nullable().describe('null: blocked before it was ever used'),
  last_used_at: z.string().nullable().describe('to a minute'),
  blocked: z.boolean(),
  blocked_at: z.string().nullable(),
  blocked_reason: z.string().nullable(),
});
const toClient = (record: MetadataDocumentClient): z.output<typeof client> => ({
  client_id: record.clientId,
  host: record.host,
  client_name: record.clientName,
  redirect_uris: [...record.redirectUris],
  first_used_at: record.firstUsedAt?.toISOString() ?? null,
  last_used_at: record.lastUsedAt?.toISOString() ?? null,
  blocked: record.blockedAt !== null,
  blocked_at: record.blockedAt?.toISOString() ?? null,
  blocked_reason: record.blockedReason,
});
const clientPath = z.object({ client_id: safeString(2048).describe('the client_id URL, percent-encoded') }).strict();
const notFound = { 404: { description: 'never used nor blocked' } };

/** Clients that identified themselves by an OAuth Client ID Metadata Document (src/cimd/). */
export function metadataDocumentClientRoutes(clients: MetadataDocumentClientOperations): AdminRoute[] {
  return [
    defineRoute({
      method: 'GET', path: BASE, operationId: 'listMetadataDocumentClients', summary: 'List the clients by client ID metadata document that were used or blocked (oldest first)', group: 'clients', access: 'read',
      query: pageQuery,
      responses: { 200: { description: 'a page of clients', schema: listSchema(client) } },
      handle: async ({ ctx, query }) => listAnswer(ctx, query, await clients.page(pageRequestOf(query)), toClient, () => clients.count()),
    }),
    defineRoute({
      method: 'GET', path: `${BASE}/{client_id}`, operationId: 'getMetadataDocumentClient', summary: 'Read a client by client ID metadata document', group: 'clients', access: 'read',
      params: clientPath,
      responses: { 200: { description: 'the client', schema: client }, ...notFound },
      handle: async ({ params }) => ({ status: 200, body: toClient(await clients.show(params.client_id)) }),
    }),
    defineRoute({
      method: 'POST', path: `${BASE}/{client_id}/block`, operationId: 'blockMetadataDocumentClient', summary: 'Block a client by client ID metadata document (used or not yet): refused from its next request on, its grants and tokens end', group: 'clients', access: 'write',
      params: clientPath,
      body: z.object({ reason: z.string().trim().min(1).max(500).optional().describe('for other admins; never shown to the client') }).strict().optional(),
      responses: { 200: { description: 'blocked', schema: client } },
      handle: async ({ params, body, operation }) => ({ status: 200, body: toClient(await clients.block(operation, params.client_id, body?.reason)) }),
    }),
    defineRoute({
      method: 'DELETE', path: `${BASE}/{client_id}/block`, operationId: 'unblockMetadataDocumentClient', summary: 'Let a blocked client by client ID metadata document be used again', group: 'clients', access: 'write',
      params: clientPath,
      responses: { 200: { description: 'no longer blocked', schema: client }, ...notFound },
      handle: async ({ params, operation }) => ({ status: 200, body: toClient(await clients.unblock(operation, params.client_id)) }),
    }),
  ];
}
