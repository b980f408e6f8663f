import { z } from 'zod';
import type { ResourceOperations } from '../../management/resource-operations.ts';
import { USER_ACCESS, type Resource } from '../../resources/resource-registry.ts';
import { defineRoute, noContent, type AdminRoute } from '../admin-route.ts';
import { listAnswer, listSchema, pageQuery, pageRequestOf } from '../pagination.ts';
import { safeString } from '../safe-string.ts';

const resource = z.object({ identifier: z.string(), name: z.string().nullable(), scopes: z.array(z.string()), scope_descriptions: z.record(z.string(), z.string()), access_token_ttl: z.number().int(), access_token_format: z.enum(['jwt', 'opaque']), user_access: z.enum(USER_ACCESS), created_at: z.string() });
const name = z.string().nullable().optional().describe('what people see on the consent page');
const scopeDescriptions = z.record(z.string(), z.string()).optional().describe('{ scope: what it lets an app do }, shown on the consent page; merged on PATCH');
const toResource = (item: Resource): z.output<typeof resource> => ({
  identifier: item.identifier,
  name: item.name,
  scopes: [...item.scopes],
  scope_descriptions: { ...item.scopeDescriptions },
  access_token_ttl: item.accessTokenTtl,
  access_token_format: item.tokenFormat,
  user_access: item.userAccess,
  created_at: item.createdAt.toISOString(),
});
const resourcePath = z.object({ id: safeString(2048).describe('the resource identifier, percent-encoded') }).strict();
const ttl = z.number().int().positive().max(86_400).optional().describe('access token lifetime, seconds');
const format = z.enum(['jwt', 'opaque']).optional();
const userAccess = z.enum(USER_ACCESS).optional().describe("who may get a user's tokens for it: 'listed-clients' (default) those whose audience lists it, 'any-client' any client in user flows with the user's consent (client_credentials always needs the audience)");
const notFound = { 404: { description: 'no such resource' } };

export function resourceRoutes(resources: ResourceOperations): AdminRoute[] {
  return [
    defineRoute({
      method: 'POST', path: '/admin/v1/resources', operationId: 'createResource', summary: 'Register an API (RFC 8707 resource indicator) and its scopes', group: 'resources', access: 'write',
      body: z.object({ identifier: z.string(), name, scopes: z.array(z.string()), scope_descriptions: scopeDescriptions, access_token_ttl: ttl, access_token_format: format, user_access: userAccess }).strict(),
      responses: { 201: { description: 'registered', schema: resource }, 409: { description: 'already registered (or reserved)' } },
      async handle({ body, operation }) {
        const created = await resources.create(operation, { identifier: body.identifier, name: body.name, scopes: body.scopes, scopeDescriptions: body.scope_descriptions, accessTokenTtl: body.access_token_ttl, tokenFormat: body.access_token_format, userAccess: body.user_access });
        return { status: 201, body: toResource(created), headers: { location: `/admin/v1/resources/${encodeURIComponent(created.identifier)}` } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/admin/v1/resources', operationId: 'listResources', summary: 'List registered APIs (oldest first)', group: 'resources', access: 'read',
      query: pageQuery,
      responses: { 200: { description: 'a page of APIs', schema: listSchema(resource) } },
      handle: async ({ ctx, query }) => listAnswer(ctx, query, await resources.page(pageRequestOf(query)), toResource, () => resources.count()),
    }),
    defineRoute({
      method: 'GET', path: '/admin/v1/resources/{id}', operationId: 'getResource', summary: 'Read a registered API', group: 'resources', access: 'read',
      params: resourcePath,
      responses: { 200: { description: 'the API', schema: resource }, ...notFound },
      handle: async ({ params }) => ({ status: 200, body: toResource(await resources.show(params.id)) }),
    }),
    defineRoute({
      method: 'PATCH', path: '/admin/v1/resources/{id}', operationId: 'updateResource', summary: "Change an API's scopes, token lifetime or format", group: 'resources', access: 'write',
      params: resourcePath, bodyType: 'application/merge-patch+json',
      body: z.object({ name, scopes: z.array(z.string()).optional(), scope_descriptions: scopeDescriptions, access_token_ttl: ttl, access_token_format: format, user_access: userAccess }).strict(),
      responses: { 200: { description: 'the changed API', schema: resource }, ...notFound },
      async handle({ params, body, operation }) {
        const changes = {
          ...(body.scopes !== undefined ? { scopes: body.scopes } : {}),
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.scope_descriptions !== undefined ? { scopeDescriptions: body.scope_descriptions } : {}),
          ...(body.access_token_ttl !== undefined ? { accessTokenTtl: body.access_token_ttl } : {}),
          ...(body.access_token_format !== undefined ? { tokenFormat: body.access_token_format } : {}),
          ...(body.user_access !== undefined ? { userAccess: body.user_access } : {}),
        };
        return { status: 200, body: toResource(await resources.update(operation, params.id, changes)) };
      },
    }),
    defineRoute({
      method: 'DELETE', path: '/admin/v1/resources/{id}', operationId: 'deleteResource', summary: 'Delete a registered API', group: 'resources', access: 'write',
      params: resourcePath,
      responses: { 204: { description: 'deleted' }, ...notFound },
      handle: ({ params, operation }) => noContent(resources.delete(operation, params.id)),
    }),
  ];
}
