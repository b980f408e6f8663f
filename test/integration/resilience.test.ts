import { TcpProxy } from '../support/tcp-proxy.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { usingPostgres, usingRedis } from '../support/environment.ts';

const run = usingPostgres && usingRedis ? describe : describe.skip;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

run('losing PostgreSQL or Redis', () => {
  let server: TestServer;
  let database: TcpProxy;
  let redis: TcpProxy;
  let clientId: string;
  let clientSecret: string;

  beforeAll(async () => {
    const pg = new URL(process.env.DATABASE_URL!);
    const rd = new URL(process.env.REDIS_URL!);
    database = new TcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
    redis = new TcpProxy({ host: rd.hostname, port: Number(rd.port || 6379) });
    await database.start();
    await redis.start();
    server = await startTestServer({}, { databasePort: database.port, redisPort: redis.port });
    const client = await server.services.clients.create({ grant_types: ['client_credentials'], redirect_uris: [], response_types: [] });
    clientId = client.client_id;
    clientSecret = client.client_secret!;
  });

  afterAll(async () => {
    await database.start().catch(() => {});
    await redis.start().catch(() => {});
    await server.close();
    await database.cut();
    await redis.cut();
  });

  const ready = async () => (await fetch(`${server.issuer}/readyz`)).status === 200;
  const tokenStatus = async () =>
    (
      await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      })
    ).status;

  test.each([
    ['redis', 'store'],
    ['postgresql', 'database'],
  ] as const)('losing %s turns readiness 503 within seconds, and it recovers on its own', async (name, check) => {
    const proxy = name === 'redis' ? redis : database;
    await waitFor(ready, 5000);
    expect(await tokenStatus()).toBe(200);

    await proxy.cut();
    const noticedIn = await waitFor(async () => {
      const response = await fetch(`${server.issuer}/readyz`);
      const body = (await response.json()) as { checks: Record<string, string> };
      return response.status === 503 && body.checks[check] === 'unavailable';
    }, 5000);
    expect(noticedIn).toBeLessThan(5000);
    // Cached clients may still be served; anything that needs the lost service fails as a 5xx.
    const during = await tokenStatus();
    expect(during === 200 || during >= 500).toBe(true);
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);

    await proxy.start();
    await waitFor(ready, 15_000);
    await waitFor(async () => (await tokenStatus()) === 200, 10_000);
  });
});
