import { z } from 'zod';
import { PROBLEM_TYPE_BASE } from '../errors/problem-details.ts';
import { ADMIN_SCOPES, scopesGranting } from './admin-scopes.ts';
import type { AdminRoute } from './admin-route.ts';

const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', description: `${PROBLEM_TYPE_BASE}<code>` },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    request_id: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', required: ['pointer', 'message'], properties: { pointer: { type: 'string', description: 'RFC 6901 JSON pointer' }, message: { type: 'string' } } } },
  },
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

const COMMON_FAILURES = {
  '400': problem('malformed request (not JSON, bad cursor)'),
  '401': problem('missing or invalid admin token; see WWW-Authenticate and its resource_metadata'),
  '403': problem('the token lacks the scope this route needs'),
  '422': problem('a field is invalid: errors lists each one by JSON pointer'),
};

function parametersOf(route: AdminRoute) {
  const parameters: Array<Record<string, unknown>> = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    for (const [name, property] of Object.entries(schema.shape)) {
      const json = jsonSchemaOf(property as z.ZodType, 'input');
      parameters.push({ name, in: where, required: where === 'path' || !(property as z.ZodType).safeParse(undefined).success, schema: json, ...(json.description ? { description: json.description } : {}) });
    }
  }
  return parameters;
}

function operationOf(route: AdminRoute) {
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    responses[status] = { description: response.description, ...(response.schema ? { content: { 'application/json': { schema: jsonSchemaOf(response.schema, 'output') } } } : {}) };
  }
  const required = scopesGranting(route.group, route.access);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.group],
    description: `Needs one of the scopes: ${required.join(', ')}.`,
    security: required.map((scope) => ({ adminToken: [scope] })),
    parameters: parametersOf(route),
    ...(route.body ? { requestBody: { required: !route.body.safeParse(undefined).success, content: { [route.bodyType ?? 'application/json']: { schema: jsonSchemaOf(route.body, 'input') } } } } : {}),
    responses: { ...responses, ...COMMON_FAILURES, ...(route.body ? { '413': problem('request body too large'), '415': problem('request body is not JSON') } : {}) },
  };
}

/** The OpenAPI 3.1 document of the admin API, built from the same schemas that validate requests. */
export function buildOpenApiDocument(routes: readonly AdminRoute[], { issuer, version }: { issuer: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operationOf(route);
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: 'Portcullis admin API', version, description: 'Manage clients, users, APIs, signing keys and dynamic registration; read the audit trail.' },
    paths,
    components: {
      schemas: { Problem: problemSchema },
      securitySchemes: {
        adminToken: {
          type: 'oauth2',
          description: 'An RFC 9068 access token Portcullis issued to an admin client for the admin resource (client_credentials with resource=ADMIN_RESOURCE).',
          flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: Object.fromEntries(ADMIN_SCOPES.map((scope) => [scope, scope.split(':').length === 2 ? `every ${scope.split(':')[1]} route` : `${scope.split(':')[2]} routes of ${scope.split(':')[1]}`])) } },
        },
      },
    },
  };
}
