import { CLI_CONTEXT } from '../../src/management/operation-context.ts';
import type { TestServer } from './server.ts';

export interface AdminClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** An admin client made the way the CLI bootstraps one (`client create --admin`). */
export async function createAdminClient(server: TestServer, metadata: Record<string, unknown> = {}): Promise<AdminClient> {
  const created = await server.services.management.clients.create(CLI_CONTEXT, { client_name: 'test admin', admin: true, ...metadata });
  return { clientId: created.client_id, clientSecret: created.client_secret as string };
}

/** A client_credentials token for the admin resource. */
export async function requestAdminToken(server: TestServer, client: AdminClient, scope: string, resource = server.services.config.admin.resource): Promise<Response> {
  return fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
}

export async function adminToken(server: TestServer, client: AdminClient, scope = 'admin:read admin:write'): Promise<string> {
  const response = await requestAdminToken(server, client, scope);
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`no admin token: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Calls the admin API with a token; JSON in and out. */
export function adminCall(server: TestServer, token: string | undefined) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.admin.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown> & { items?: Array<Record<string, unknown>> }) : undefined;
    return { status: response.status, headers: response.headers, body: json as Record<string, unknown> & { items: Array<Record<string, unknown>> } };
  };
}
