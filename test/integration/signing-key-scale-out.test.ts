import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { openDatabase } from '../../src/db/database.ts';
import { SigningKeyRepository } from '../../src/keys/signing-key-repository.ts';
import { SigningKeyService } from '../../src/keys/signing-key-service.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { openServices, type Services } from '../../src/services.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, exchange, PASSWORD, REDIRECT_URI, signIn } from '../support/flows.ts';
import {
  createTestResources,
  freePort,
  quietLogger,
  testConfig,
  usingPostgres,
  usingRedis,
  type TestResources,
} from '../support/environment.ts';

const run = usingPostgres && usingRedis ? describe : describe.skip;
const API = 'https://api.fleet.test';
const CONVERGENCE_MS = 10_000;

interface Instance {
  readonly services: Services;
  readonly running: RunningServer;
  readonly url: string;
}

/** Two instances behind one issuer, sharing PostgreSQL and Redis; requests go to the one a test picks. */
run('signing keys across instances', () => {
  let resources: TestResources;
  let issuer: string;
  const instances: Instance[] = [];
  let worker: { id: string; secret: string };

  beforeAll(async () => {
    resources = await createTestResources();
    const ports = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${ports[0]}`;
    for (const port of ports) {
      const services = await openServices(
        testConfig(resources, { ISSUER: issuer, ID_TOKEN_TTL: '300', ACCESS_TOKEN_TTL: '300', CLIENT_CREDENTIALS_TTL: '300' }),
        quietLogger(),
        { migrate: true },
      );
      instances.push({ services, running: await startServer(services, port, '127.0.0.1'), url: `http://127.0.0.1:${port}` });
    }
    const a = instances[0]!.services;
    await a.resources.create({ identifier: API, scopes: ['api:read'], accessTokenTtl: 600 });
    const registered = await a.clients.create({
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      scope: 'api:read',
      audience: [API],
    });
    worker = { id: registered.client_id, secret: registered.client_secret! };
  });

  afterAll(async () => {
    for (const { running, services } of instances) {
      await running.close();
      await services.close();
    }
    await resources.cleanup();
  });

  const [a, b] = [() => instances[0]!, () => instances[1]!];

  /** A JWT access token for API from one instance's token endpoint. */
  async function apiTokenFrom(instance: Instance): Promise<string> {
    const response = await fetch(`${instance.url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.id}:${worker.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: API, scope: 'api:read' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
  const publishedKids = async (instance: Instance) =>
    ((await (await fetch(`${instance.url}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid);
  const verifyAt = (instance: Instance, jwt: string) => jwtVerify(jwt, createRemoteJWKSet(new URL(`${instance.url}/jwks`)), { issuer });
  const currentRsa = (rotated: Awaited<ReturnType<SigningKeyService['rotate']>>) =>
    rotated.activated.find((view) => view.alg === 'RS256')!.kid;

  async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return Date.now() - started;
  }

  let signedBefore: string;

  test('a rotation on one instance makes the other sign JWT access tokens with the new key within 10 s', async () => {
    signedBefore = await apiTokenFrom(b());
    const rotated = await a().services.signingKeys.rotate();
    expect(rotated.retired.map((view) => view.kid)).toContain(kidOf(signedBefore));
    const took = await within(CONVERGENCE_MS, async () => kidOf(await apiTokenFrom(b())) === currentRsa(rotated));
    // Redis carries the notification: far below the poll's bound.
    expect(took).toBeLessThan(2000);
    expect(await publishedKids(b())).toEqual(await publishedKids(a()));
  });

  test('the other instance signs ID tokens with the new key too', async () => {
    const services = a().services;
    await services.accounts.register({ email: 'fleet@example.com', password: PASSWORD });
    const registered = await services.clients.create({ redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'] });
    // Discovery names the issuer (instance A); the token endpoint is pointed at instance B.
    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    const config = new oidc.Configuration(
      { ...metadata, token_endpoint: `${b().url}/token` } as oidc.ServerMetadata,
      registered.client_id,
      {},
      oidc.ClientSecretBasic(registered.client_secret),
    );
    oidc.allowInsecureRequests(config);
    const client = { clientId: registered.client_id, clientSecret: registered.client_secret, config };
    const request = await authorizationRequest(client, { scope: 'openid' });
    const tokens = await exchange(client, await signIn(new Browser(), request, 'fleet@example.com'), request);
    const current = (await b().services.signingKeys.list()).find((view) => view.status === 'current' && view.alg === 'RS256')!;
    expect(kidOf(tokens.id_token!)).toBe(current.kid);
  });

  test("a token signed before the rotation still verifies against either instance's jwks_uri", async () => {
    for (const instance of instances) await expect(verifyAt(instance, signedBefore)).resolves.toMatchObject({ payload: { aud: API } });
  });

  test('an instance that missed the notification (a rotation from a process without Redis) converges through the poll within 10 s', async () => {
    const elsewhere = await openDatabase({ url: resources.databaseUrl!, poolSize: 2 }, quietLogger());
    try {
      const cli = new SigningKeyService({
        repository: new SigningKeyRepository(elsewhere.prisma),
        withExclusiveLock: (work) => elsewhere.sql.withExclusiveLock(() => work()),
        changes: { publish: async () => {} },
        policy: { rotateAfterSeconds: undefined },
        longestTokenLifetime: async () => 600,
      });
      const rotated = await cli.rotate();
      const took = await Promise.all(
        instances.map((instance) => within(CONVERGENCE_MS, async () => kidOf(await apiTokenFrom(instance)) === currentRsa(rotated))),
      );
      expect(Math.max(...took)).toBeLessThan(CONVERGENCE_MS);
    } finally {
      await elsewhere.close();
    }
  });

  test("retired keys leave every instance's jwks_uri within 10 s once published_until has passed", async () => {
    const current = (await a().services.signingKeys.list()).filter((view) => view.status === 'current').map((view) => view.kid);
    await a().services.db.sql.exec(
      `UPDATE signing_keys SET published_until = timezone('UTC', now()) - interval '1 second' WHERE status = 'retired'`,
    );
    for (const instance of instances) await within(CONVERGENCE_MS, async () => (await publishedKids(instance)).join() === current.join());
    await within(CONVERGENCE_MS, async () => (await a().services.signingKeys.list()).length === 2);
    for (const instance of instances) await expect(verifyAt(instance, signedBefore)).rejects.toThrow();
  });
});
