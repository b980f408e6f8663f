import { CLI_CONTEXT } from '../../src/management/operation-context.ts';
import { openServices, type Services } from '../../src/services.ts';
import { createTestResources, quietLogger, testConfig, usingPostgres, usingRedis, type TestResources } from '../support/environment.ts';
import { REDIRECT_URI } from '../support/flows.ts';
import { startDocumentHost, type DocumentHost } from '../support/metadata-document-host.ts';

const run = usingPostgres && usingRedis ? describe : describe.skip;

/**
 * Two instances on one Redis and one PostgreSQL: a document one of them fetched (or refused) is what
 * the other uses, without fetching it again; a block set through one is obeyed by the other at once.
 */
run('client ID metadata documents across instances', () => {
  let host: DocumentHost;
  let resources: TestResources;
  let first: Services;
  let second: Services;
  const app = { client_name: 'Shared Client', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' };
  const find = (services: Services, clientId: string) => services.provider.Client.find(clientId);
  const refusal = (services: Services, clientId: string) => find(services, clientId).then(
    () => 'accepted',
    (error: { error_description?: string }) => error.error_description,
  );

  beforeAll(async () => {
    host = await startDocumentHost();
    resources = await createTestResources();
    const config = testConfig(resources, { OUTBOUND_CA_FILE: host.certFile, CLIENT_ID_METADATA_DOCUMENT_ALLOW_HOSTS: host.host });
    first = await openServices(config, quietLogger(), { migrate: true });
    second = await openServices(config, quietLogger(), { migrate: true });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await resources?.cleanup();
    await host?.close();
  });

  test('a document fetched by one instance is used by the other without a fetch', async () => {
    const clientId = host.publish('/shared/app.json', app, { 'cache-control': 'max-age=120' });
    expect((await find(first, clientId))?.clientName).toBe('Shared Client');
    expect((await find(second, clientId))?.clientName).toBe('Shared Client');
    expect((await find(second, clientId))?.redirectUris).toEqual([REDIRECT_URI]);
    expect(host.hits('/shared/app.json')).toBe(1);
  });

  test('a refusal is shared too: the other instance gives the same reason without a fetch', async () => {
    const clientId = host.route('/shared/broken.json', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('not json'));
    const reason = 'the client ID metadata document cannot be used: the document is not valid JSON';
    expect(await refusal(first, clientId)).toBe(reason);
    expect(await refusal(second, clientId)).toBe(reason);
    expect(host.hits('/shared/broken.json')).toBe(1);
  });

  test('a block set through one instance is obeyed by the other from its next use', async () => {
    const clientId = host.publish('/shared/blocked.json', app);
    expect(await refusal(second, clientId)).toBe('accepted');
    await first.management.metadataDocumentClients.block(CLI_CONTEXT, clientId, undefined);
    const blocked = 'this client has been blocked by an administrator of this server';
    for (let tries = 0; tries < 50 && (await refusal(second, clientId)) !== blocked; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await refusal(second, clientId)).toBe(blocked);
    await first.management.metadataDocumentClients.unblock(CLI_CONTEXT, clientId);
    for (let tries = 0; tries < 50 && (await refusal(second, clientId)) !== 'accepted'; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await refusal(second, clientId)).toBe('accepted');
  });
});
