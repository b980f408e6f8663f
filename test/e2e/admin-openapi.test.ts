import { adminRoutes } from '../../src/admin/admin-server.ts';
import { adminCall, adminToken, createAdminClient } from '../support/admin.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
let call: ReturnType<typeof adminCall>;
let openApi: { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; security: Array<Record<string, string[]>> }>> };

beforeAll(async () => {
  server = await startTestServer();
  call = adminCall(server, await adminToken(server, await createAdminClient(server)));
  openApi = (await (await fetch(`${server.admin.url}/openapi.json`)).json()) as typeof openApi;
});
afterAll(() => server.close());

const resourceId = encodeURIComponent('https://openapi.example.test');
const metadataDocumentClient = encodeURIComponent('https://openapi.example.test/client.json');

/** One real request per documented operation, in an order where each finds what it needs. */
function scenario(ids: { clientId: string; userId: string }): Array<[operationId: string, method: string, path: string, body?: unknown]> {
  return [
    ['listClients', 'GET', '/admin/v1/clients?limit=2'],
    ['getClient', 'GET', `/admin/v1/clients/${ids.clientId}`],
    ['updateClient', 'PATCH', `/admin/v1/clients/${ids.clientId}`, { client_name: 'renamed' }],
    ['rotateClientSecret', 'POST', `/admin/v1/clients/${ids.clientId}/rotate-secret`, { previous_secret_valid_for: 60 }],
    ['listUsers', 'GET', '/admin/v1/users?count=true'],
    ['getUser', 'GET', `/admin/v1/users/${ids.userId}`],
    ['updateUser', 'PATCH', `/admin/v1/users/${ids.userId}`, { name: 'Renamed' }],
    ['signOutUser', 'DELETE', `/admin/v1/users/${ids.userId}/sessions`],
    ['revokeUserGrants', 'DELETE', `/admin/v1/users/${ids.userId}/grants`],
    ['resetUserSecondFactors', 'DELETE', `/admin/v1/users/${ids.userId}/second-factors`],
    ['createResource', 'POST', '/admin/v1/resources', { identifier: 'https://openapi.example.test', scopes: ['docs:read'] }],
    ['listResources', 'GET', '/admin/v1/resources'],
    ['getResource', 'GET', `/admin/v1/resources/${resourceId}`],
    ['updateResource', 'PATCH', `/admin/v1/resources/${resourceId}`, { access_token_ttl: 120 }],
    ['deleteResource', 'DELETE', `/admin/v1/resources/${resourceId}`],
    ['blockMetadataDocumentClient', 'POST', `/admin/v1/metadata-document-clients/${metadataDocumentClient}/block`, { reason: 'openapi' }],
    ['listMetadataDocumentClients', 'GET', '/admin/v1/metadata-document-clients?count=true'],
    ['getMetadataDocumentClient', 'GET', `/admin/v1/metadata-document-clients/${metadataDocumentClient}`],
    ['unblockMetadataDocumentClient', 'DELETE', `/admin/v1/metadata-document-clients/${metadataDocumentClient}/block`],
    ['listKeys', 'GET', '/admin/v1/keys'],
    ['rotateKeys', 'POST', '/admin/v1/keys/rotate'],
    ['createInitialAccessToken', 'POST', '/admin/v1/initial-access-tokens', { expires_in: 600 }],
    ['listAuditEvents', 'GET', '/admin/v1/audit-events?action=client.updated'],
    ['deleteUser', 'DELETE', `/admin/v1/users/${ids.userId}`],
    ['deleteClient', 'DELETE', `/admin/v1/clients/${ids.clientId}`],
  ];
}

describe('the OpenAPI document is true', () => {
  test('every registered route is documented, with the scopes it needs', () => {
    const documented = Object.entries(openApi.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(adminRoutes(server.services).map((route) => `${route.method} ${route.path}`).sort());
    for (const operations of Object.values(openApi.paths)) {
      for (const operation of Object.values(operations)) expect(operation.security.flatMap((entry) => entry.adminToken ?? []).some((scope) => /^admin:(read|write)$/.test(scope))).toBe(true);
    }
  });

  test('every documented operation, called for real, answers a documented status with a body matching its schema', async () => {
    const created = await call('POST', '/admin/v1/clients', { grant_types: ['client_credentials'] });
    const user = await call('POST', '/admin/v1/users', { email: 'openapi@example.test', password: 'a long enough password' });
    const steps: Array<[string, number, unknown]> = [
      ['createClient', created.status, created.body],
      ['createUser', user.status, user.body],
    ];
    for (const [operationId, method, path, body] of scenario({ clientId: created.body.client_id as string, userId: user.body.id as string })) {
      const answer = await call(method, path, body);
      steps.push([operationId, answer.status, answer.body]);
    }
    const routes = new Map(adminRoutes(server.services).map((route) => [route.operationId, route]));
    const documentedIds = Object.values(openApi.paths).flatMap((operations) => Object.values(operations).map((operation) => operation.operationId));
    expect(steps.map(([operationId]) => operationId).sort()).toEqual([...documentedIds].sort());
    for (const [operationId, status, body] of steps) {
      const route = routes.get(operationId)!;
      const documented = route.responses[status];
      expect([operationId, status, documented ? 'documented' : 'undocumented']).toEqual([operationId, status, 'documented']);
      if (documented?.schema) {
        const parsed = documented.schema.safeParse(body);
        expect([operationId, parsed.success ? 'matches' : parsed.error.message]).toEqual([operationId, 'matches']);
      } else {
        expect([operationId, body]).toEqual([operationId, undefined]);
      }
    }
  });
});
