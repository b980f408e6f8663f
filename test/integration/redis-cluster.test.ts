import { Cluster } from 'ioredis';
import * as oidc from 'openid-client';
import { RedisArtifacts } from '../../src/adapters/redis-adapter.ts';
import { Browser } from '../support/browser.ts';
import { authorizationRequest, createUser, exchange, registerClient, signIn } from '../support/flows.ts';
import { canRunRedisCluster, startRedisCluster, type LocalRedisCluster } from '../support/redis-cluster.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/**
 * Past one Redis, users run Redis Cluster: every operation must stay within one hash slot or the
 * cluster answers CROSSSLOT. This runs the adapter and a whole login against a real 3-node cluster.
 */
const run = canRunRedisCluster() ? describe : describe.skip;

run('Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let server: TestServer;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    server = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${cluster.ports[0]}`, REDIS_CLUSTER: 'true' });
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
  });

  test('the adapter works across slots: consume, uid lookup, grant, account and client revocation', async () => {
    const redis = new Cluster([{ host: '127.0.0.1', port: cluster.ports[0]! }]);
    try {
      const store = new RedisArtifacts(redis, 'cluster-test:');
      const adapter = (model: string) => store.adapterFor(model);
      for (let i = 0; i < 20; i += 1) await adapter('AccessToken').upsert(`at-${i}`, { grantId: 'g-cluster' }, 60);
      await adapter('RefreshToken').upsert('rt', { grantId: 'g-cluster' }, 60);
      await adapter('Session').upsert('sess', { uid: 'uid-c' }, 60);
      expect(await adapter('Session').findByUid('uid-c')).toEqual({ uid: 'uid-c' });
      await adapter('RefreshToken').consume('rt');
      await expect(adapter('RefreshToken').consume('rt')).rejects.toThrow(/already used/);
      await adapter('AccessToken').revokeByGrantId('g-cluster');
      for (let i = 0; i < 20; i += 1) expect(await adapter('AccessToken').find(`at-${i}`)).toBeUndefined();

      await adapter('Grant').upsert('g-acct', { accountId: 'acct-c', clientId: 'client-c' }, 60);
      for (let i = 0; i < 20; i += 1) await adapter('RefreshToken').upsert(`rt-${i}`, { grantId: 'g-acct' }, 60);
      for (let i = 0; i < 20; i += 1) await adapter('ClientCredentials').upsert(`cc-${i}`, { clientId: 'client-c' }, 60);
      await store.revokeAccount('acct-c');
      expect(await adapter('Grant').find('g-acct')).toBeUndefined();
      for (let i = 0; i < 20; i += 1) expect(await adapter('RefreshToken').find(`rt-${i}`)).toBeUndefined();
      await store.revokeClient('client-c');
      for (let i = 0; i < 20; i += 1) expect(await adapter('ClientCredentials').find(`cc-${i}`)).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });

  test('a full login, refresh rotation and reuse detection run on the cluster', async () => {
    await createUser(server, 'cluster@example.com');
    const web = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
    const request = await authorizationRequest(web, { scope: 'openid offline_access', prompt: 'consent' });
    const tokens = await exchange(web, await signIn(new Browser(), request, 'cluster@example.com'), request);
    const rotated = await oidc.refreshTokenGrant(web.config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(web.config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(web.config, rotated.access_token)).active).toBe(false);
    expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
  });

  test('a login that starts with a pushed authorization request runs on the cluster', async () => {
    await createUser(server, 'cluster-par@example.com');
    const web = await registerClient(server, { grant_types: ['authorization_code'] });
    const request = await authorizationRequest(web);
    const pushed = await oidc.buildAuthorizationUrlWithPAR(web.config, Object.fromEntries(request.url.searchParams));
    expect(pushed.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const tokens = await exchange(web, await signIn(new Browser(), { ...request, url: pushed }, 'cluster-par@example.com'), request);
    expect(tokens.access_token).toBeTruthy();
  });
});
