import { randomBytes } from 'node:crypto';
import { Redis, type Cluster } from 'ioredis';
import { errors } from 'oidc-provider';
import { embeddedStore, openArtifactStore, type ArtifactStore } from '../../src/adapters/artifact-store.ts';
import { MemoryArtifacts, MemoryStore } from '../../src/adapters/memory-adapter.ts';
import { AlreadyConsumedError, CONSUMABLE_MODELS, digest, type AdapterPayload } from '../../src/adapters/models.ts';
import { keys } from '../../src/adapters/redis-adapter.ts';
import type { RedisConnection } from '../../src/redis/connection.ts';
import { createAdapterFactory } from '../../src/oidc/adapter-factory.ts';
import { quietLogger } from '../support/environment.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { canRunRedisCluster, startRedisCluster, type LocalRedisCluster } from '../support/redis-cluster.ts';

/**
 * One contract, every store: oidc-provider's adapter semantics (TTL, consume, uid and user code
 * lookups, grant revocation) plus account and client revocation and what may be stored, checked
 * against the embedded store, Redis and Redis Cluster alike.
 */
interface StoreUnderTest {
  readonly store: ArtifactStore;
  /** Every key of this store with its value rendered as text. */
  dump(): Promise<Map<string, string>>;
  /** Lets `ms` pass: on the embedded store's fake clock, or for real where the server keeps time (EXPIRE). */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisReachable = async () => {
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
};
const haveRedis = Boolean(process.env.REDIS_URL) || (await redisReachable());
const haveCluster = haveRedis && canRunRedisCluster();

const uniquePrefix = () => `test:${randomBytes(6).toString('hex')}:`;
/** An id shaped like oidc-provider's: 256 random bits, base64url. */
const tokenId = () => randomBytes(32).toString('base64url');

function openEmbedded(): StoreUnderTest {
  const clock = new ManualClock(Date.now());
  const artifacts = new MemoryArtifacts(new MemoryStore({ now: () => clock.now }));
  const store = embeddedStore(artifacts, '');
  return {
    store,
    dump: async () => new Map([...artifacts.store.dump()].map(([key, value]) => [key, JSON.stringify(value)])),
    elapse: async (ms) => clock.advance(ms),
    close: () => store.close(),
  };
}

async function dumpRedis(nodes: Redis[], prefix: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of batch) found.set(key, await valueOf(node, key));
    } while (cursor !== '0');
  }
  return found;
}

async function valueOf(node: Redis, key: string): Promise<string> {
  const type = await node.type(key);
  if (type === 'hash') return JSON.stringify(await node.hgetall(key));
  if (type === 'zset') return JSON.stringify(await node.zrange(key, '0', '-1', 'WITHSCORES'));
  if (type === 'string') return (await node.get(key)) ?? '';
  return `<${type}>`;
}

function openRedis(url: string, cluster: boolean): StoreUnderTest {
  const keyPrefix = uniquePrefix();
  const store = openArtifactStore({ url, cluster, keyPrefix }, quietLogger());
  const nodes = (): Redis[] => (cluster ? (store.redis as Cluster).nodes('master') : [store.redis as Redis]);
  return {
    store,
    dump: () => dumpRedis(nodes(), keyPrefix),
    elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    async close() {
      for (const key of (await dumpRedis(nodes(), keyPrefix)).keys()) await store.redis!.del(key);
      await store.close();
    },
  };
}

let cluster: LocalRedisCluster | undefined;
beforeAll(async () => {
  if (haveCluster) cluster = await startRedisCluster();
}, 30_000);
afterAll(() => cluster?.stop());

const stores: Array<[string, boolean, () => StoreUnderTest]> = [
  ['embedded store', true, openEmbedded],
  ['redis', haveRedis, () => openRedis(redisUrl, false)],
  ['redis cluster', haveCluster, () => openRedis(`redis://127.0.0.1:${cluster!.ports[0]}`, true)],
];

describe.each(stores)('adapter contract: %s', (_name, available, open) => {
  const run = available ? describe : describe.skip;
  run('', () => {
    let subject: StoreUnderTest;
    const adapter = (model: string) => subject.store.adapterFor(model);
    beforeAll(() => {
      subject = open();
    });
    afterAll(() => subject.close());

    test('upsert then find returns an equal copy, not the same object', async () => {
      const payload = { jti: 's-1', kind: 'Session', accountId: 'a1', uid: 'u-1', nested: { x: [1, 2] } };
      await adapter('Session').upsert('s-1', payload, 60);
      const found = await adapter('Session').find('s-1');
      expect(found).toEqual(payload);
      expect(found).not.toBe(payload);
    });

    test('find of an unknown id is undefined', async () => {
      expect(await adapter('AccessToken').find('missing')).toBeUndefined();
    });

    test('models are separate namespaces', async () => {
      await adapter('AccessToken').upsert('same-id', { kind: 'AccessToken' }, 60);
      expect(await adapter('RefreshToken').find('same-id')).toBeUndefined();
    });

    test('entries expire after their TTL, consumed or not', async () => {
      await adapter('Interaction').upsert('short', { kind: 'Interaction' }, 1);
      await adapter('AuthorizationCode').upsert('c-ttl', { kind: 'AuthorizationCode' }, 1);
      await adapter('AuthorizationCode').consume('c-ttl');
      expect(await adapter('Interaction').find('short')).toBeDefined();
      await subject.elapse(2100);
      expect(await adapter('Interaction').find('short')).toBeUndefined();
      expect(await adapter('AuthorizationCode').find('c-ttl')).toBeUndefined();
    });

    test('findByUid finds a session by its uid, without revealing the session id', async () => {
      await adapter('Session').upsert('s-2', { jti: 's-2', kind: 'Session', uid: 'uid-2', accountId: 'a2' }, 60);
      const found = await adapter('Session').findByUid('uid-2');
      expect(found).toEqual({ kind: 'Session', uid: 'uid-2', accountId: 'a2' });
      expect(await adapter('Session').findByUid('uid-unknown')).toBeUndefined();
    });

    test('findByUserCode finds a device code, with its id (oidc-provider saves it again)', async () => {
      await adapter('DeviceCode').upsert('dc-1', { jti: 'dc-1', kind: 'DeviceCode', userCode: 'ABCD-EFGH', clientId: 'c-dc' }, 60);
      expect(await adapter('DeviceCode').findByUserCode('ABCD-EFGH')).toMatchObject({ jti: 'dc-1', userCode: 'ABCD-EFGH' });
      expect(await adapter('DeviceCode').findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
    });

    describe.each([...CONSUMABLE_MODELS])('%s (oidc-provider consumes it)', (model) => {
      test('consume marks it consumed and keeps it findable', async () => {
        await adapter(model).upsert(`${model}-1`, { jti: `${model}-1`, kind: model, grantId: 'g-1' }, 60);
        await adapter(model).consume(`${model}-1`);
        const found = await adapter(model).find(`${model}-1`);
        expect(typeof found?.consumed).toBe('number');
        expect(found).toMatchObject({ jti: `${model}-1`, kind: model, grantId: 'g-1' });
      });

      test('a second consume is refused, even when both race', async () => {
        await adapter(model).upsert(`${model}-2`, { kind: model, grantId: 'g-r' }, 60);
        const results = await Promise.allSettled([adapter(model).consume(`${model}-2`), adapter(model).consume(`${model}-2`)]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(AlreadyConsumedError);
        expect((rejected.reason as AlreadyConsumedError).grantId).toBe('g-r');
      });

      test('consuming one that vanished is refused', async () => {
        await expect(adapter(model).consume(`${model}-never-stored`)).rejects.toBeInstanceOf(AlreadyConsumedError);
      });
    });

    test('a replayed pushed request is refused as invalid_request_uri, a replayed code as invalid_grant with its grant revoked', async () => {
      const adapterOf = createAdapterFactory(subject.store, adapter('Client'));
      await adapterOf('PushedAuthorizationRequest').upsert('par-replay', { kind: 'PushedAuthorizationRequest' }, 60);
      await adapterOf('PushedAuthorizationRequest').consume('par-replay');
      await expect(adapterOf('PushedAuthorizationRequest').consume('par-replay')).rejects.toBeInstanceOf(errors.InvalidRequestUri);

      await adapterOf('Grant').upsert('g-replay', { kind: 'Grant', accountId: 'a-r', clientId: 'c-r' }, 60);
      await adapterOf('AccessToken').upsert('at-replay', { kind: 'AccessToken', grantId: 'g-replay' }, 60);
      await adapterOf('AuthorizationCode').upsert('ac-replay', { kind: 'AuthorizationCode', grantId: 'g-replay' }, 60);
      await adapterOf('AuthorizationCode').consume('ac-replay');
      await expect(adapterOf('AuthorizationCode').consume('ac-replay')).rejects.toBeInstanceOf(errors.InvalidGrant);
      expect(await adapterOf('AccessToken').find('at-replay')).toBeUndefined();
      expect(await adapterOf('Grant').find('g-replay')).toBeUndefined();
    });

    test('destroy removes an entry', async () => {
      await adapter('AccessToken').upsert('at-d', { kind: 'AccessToken' }, 60);
      await adapter('AccessToken').destroy('at-d');
      expect(await adapter('AccessToken').find('at-d')).toBeUndefined();
    });

    test('revokeByGrantId removes every artifact of the grant and nothing else', async () => {
      await adapter('AccessToken').upsert('at-g', { kind: 'AccessToken', grantId: 'grant-x' }, 60);
      await adapter('RefreshToken').upsert('rt-g', { kind: 'RefreshToken', grantId: 'grant-x' }, 3600);
      await adapter('AuthorizationCode').upsert('ac-g', { kind: 'AuthorizationCode', grantId: 'grant-x' }, 60);
      await adapter('AccessToken').upsert('at-other', { kind: 'AccessToken', grantId: 'grant-y' }, 60);
      await adapter('RefreshToken').revokeByGrantId('grant-x');
      expect(await adapter('AccessToken').find('at-g')).toBeUndefined();
      expect(await adapter('RefreshToken').find('rt-g')).toBeUndefined();
      expect(await adapter('AuthorizationCode').find('ac-g')).toBeUndefined();
      expect(await adapter('AccessToken').find('at-other')).toBeDefined();
    });

    test('an upsert without expiry is kept', async () => {
      await adapter('Grant').upsert('forever', { kind: 'Grant' });
      expect(await adapter('Grant').find('forever')).toEqual({ jti: 'forever', kind: 'Grant' });
    });

    describe('what is stored', () => {
      const ids = {
        accessToken: tokenId(),
        refreshToken: tokenId(),
        clientCredentials: tokenId(),
        code: tokenId(),
        session: tokenId(),
        interaction: tokenId(),
        pushedRequest: tokenId(),
        deviceCode: tokenId(),
        grant: tokenId(),
        uid: tokenId(),
        userCode: tokenId(),
        account: tokenId(),
        client: tokenId(),
      };
      /** Bearer secrets: found in no key and in no stored value. */
      const secrets = [ids.accessToken, ids.refreshToken, ids.clientCredentials, ids.code, ids.session];
      const saved: Array<[string, string, AdapterPayload]> = [
        ['Grant', ids.grant, { accountId: ids.account, clientId: ids.client }],
        ['AccessToken', ids.accessToken, { grantId: ids.grant, accountId: ids.account, clientId: ids.client, sessionUid: ids.uid }],
        ['RefreshToken', ids.refreshToken, { grantId: ids.grant, accountId: ids.account, clientId: ids.client }],
        ['AuthorizationCode', ids.code, { grantId: ids.grant, accountId: ids.account, clientId: ids.client }],
        ['ClientCredentials', ids.clientCredentials, { clientId: ids.client }],
        ['Session', ids.session, { uid: ids.uid, accountId: ids.account }],
        ['Interaction', ids.interaction, { session: { accountId: ids.account, uid: ids.uid, cookie: ids.session }, params: { client_id: ids.client } }],
        ['PushedAuthorizationRequest', ids.pushedRequest, { request: unsecuredRequest({ client_id: ids.client }) }],
        ['DeviceCode', ids.deviceCode, { userCode: ids.userCode, clientId: ids.client }],
      ];

      beforeAll(async () => {
        for (const [model, id, payload] of saved) await adapter(model).upsert(id, { iat: 1, jti: id, kind: model, ...payload }, 600);
      });

      test('no raw id appears in any key, and no token or session id in any value', async () => {
        const dump = await subject.dump();
        expect(dump.size).toBeGreaterThan(saved.length);
        for (const [key, value] of dump) {
          expect([key, Object.values(ids).filter((id) => key.includes(id))]).toEqual([key, []]);
          expect([key, secrets.filter((secret) => value.includes(secret))]).toEqual([key, []]);
        }
      });

      test('stored values omit their own id, except a device code', async () => {
        const values = [...(await subject.dump()).values()].join('\n');
        for (const [model, id] of saved) {
          if (model === 'DeviceCode') expect(values).toContain(id);
          // A grant id is no credential: its tokens name it (grantId), as oidc-provider needs.
          else if (model !== 'Grant') expect([model, values.includes(id)]).toEqual([model, false]);
        }
      });

      test('find, consume, destroy and revokeByGrantId work by the raw ids', async () => {
        for (const [model, id, payload] of saved) {
          const found = await adapter(model).find(id);
          expect(found).toMatchObject({ jti: id, kind: model, ...(model === 'Interaction' ? {} : payload) });
        }
        expect(await adapter('Interaction').find(ids.interaction)).toEqual({
          iat: 1,
          jti: ids.interaction,
          kind: 'Interaction',
          session: { accountId: ids.account, uid: ids.uid },
          params: { client_id: ids.client },
        });
        expect(await adapter('Session').findByUid(ids.uid)).toMatchObject({ accountId: ids.account });
        expect(await adapter('DeviceCode').findByUserCode(ids.userCode)).toMatchObject({ jti: ids.deviceCode });
        await adapter('PushedAuthorizationRequest').consume(ids.pushedRequest);
        expect((await adapter('PushedAuthorizationRequest').find(ids.pushedRequest))?.consumed).toEqual(expect.any(Number));
        await adapter('ClientCredentials').destroy(ids.clientCredentials);
        expect(await adapter('ClientCredentials').find(ids.clientCredentials)).toBeUndefined();
        await adapter('AccessToken').revokeByGrantId(ids.grant);
        for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode']) expect(await adapter(model).find(ids[modelKey(model)])).toBeUndefined();
      });
    });

    describe('revokeAccount', () => {
      test('destroys the sessions and grants of the account with every token of those grants', async () => {
        const mine = await issueForAccount(subject.store, 'acct-1', ['client-a', 'client-b']);
        const theirs = await issueForAccount(subject.store, 'acct-2', ['client-a']);
        await subject.store.revokeAccount('acct-1');
        for (const [model, id] of mine) expect([model, await adapter(model).find(id)]).toEqual([model, undefined]);
        for (const [model, id] of theirs) expect([model, await adapter(model).find(id)]).toEqual([model, expect.anything()]);
        expect(await adapter('Session').findByUid('uid-acct-1')).toBeUndefined();
      });

      test('is idempotent, and the account can sign in again and be revoked again', async () => {
        await subject.store.revokeAccount('acct-never-seen');
        const first = await issueForAccount(subject.store, 'acct-3', ['client-a']);
        await subject.store.revokeAccount('acct-3');
        await subject.store.revokeAccount('acct-3');
        const second = await issueForAccount(subject.store, 'acct-3', ['client-a']);
        expect(await adapter('Session').find(second[0]![1])).toBeDefined();
        await subject.store.revokeAccount('acct-3');
        for (const [model, id] of [...first, ...second]) expect(await adapter(model).find(id)).toBeUndefined();
      });

      test('leaves nothing behind but the lookup of a session uid', async () => {
        const issued = await issueForAccount(subject.store, 'acct-4', ['client-z']);
        await subject.store.revokeAccount('acct-4');
        await subject.store.revokeClient('client-z');
        const digests = [digest('acct-4'), digest('client-z'), ...issued.map(([, id]) => digest(id))];
        const left = [...(await subject.dump()).keys()].filter((key) => digests.some((d) => key.includes(d)));
        expect(left).toEqual([]);
      });
    });

    describe('revokeAccountGrants', () => {
      test('destroys the grants of the account with their tokens, and keeps its sessions and sign-ins in progress', async () => {
        const mine = await issueForAccount(subject.store, 'acct-g1', ['client-a', 'client-b']);
        const theirs = await issueForAccount(subject.store, 'acct-g2', ['client-a']);
        await subject.store.revokeAccountGrants('acct-g1');
        await subject.store.revokeAccountGrants('acct-never-seen');
        for (const [model, id] of mine) expect([model, await adapter(model).find(id)]).toEqual([model, model === 'Session' || model === 'Interaction' ? expect.anything() : undefined]);
        for (const [model, id] of theirs) expect([model, await adapter(model).find(id)]).toEqual([model, expect.anything()]);
        await subject.store.revokeAccount('acct-g1');
        for (const [model, id] of mine) expect([model, await adapter(model).find(id)]).toEqual([model, undefined]);
      });
    });

    describe('listAccountArtifacts and revokeAccountArtifact', () => {
      test('list the sessions and grants of one account without their ids, and revoke one grant with its tokens', async () => {
        const mine = await issueForAccount(subject.store, 'acct-l1', ['client-a', 'client-b']);
        const theirs = await issueForAccount(subject.store, 'acct-l2', ['client-a']);
        const listed = await subject.store.listAccountArtifacts('acct-l1');
        expect(listed.map(({ model }) => model).sort()).toEqual(['Grant', 'Grant', 'Interaction', 'Session']);
        const serialized = JSON.stringify(listed);
        for (const [, id] of mine) expect(serialized).not.toContain(id);
        const grantOfB = listed.find(({ model, payload }) => model === 'Grant' && payload.clientId === 'client-b')!;

        expect(await subject.store.revokeAccountArtifact('acct-l2', grantOfB.ref)).toBe(false);
        expect(await subject.store.revokeAccountArtifact('acct-l1', grantOfB.ref)).toBe(true);
        expect(await subject.store.revokeAccountArtifact('acct-l1', grantOfB.ref)).toBe(false);
        const gone = new Set(mine.slice(5, 9).map(([, id]) => id));
        for (const [model, id] of mine) expect([model, await adapter(model).find(id)]).toEqual([model, gone.has(id) ? undefined : expect.anything()]);
        for (const [model, id] of theirs) expect([model, await adapter(model).find(id)]).toEqual([model, expect.anything()]);
        expect((await subject.store.listAccountArtifacts('acct-l1')).map(({ model }) => model).sort()).toEqual(['Grant', 'Interaction', 'Session']);

        const session = (await subject.store.listAccountArtifacts('acct-l1')).find(({ model }) => model === 'Session')!;
        expect(session.payload.uid).toBe('uid-acct-l1');
        expect(await subject.store.revokeAccountArtifact('acct-l1', session.ref)).toBe(true);
        expect(await adapter('Session').find(mine[0]![1])).toBeUndefined();
        expect(await subject.store.listAccountArtifacts('acct-never-seen')).toEqual([]);
      });
    });

    describe('revokeClient', () => {
      test('destroys the grants of the client with their tokens, and every grantless artifact of the client', async () => {
        const grants = await issueForAccount(subject.store, 'acct-c1', ['client-gone']);
        const grantless = await issueGrantless(subject.store, 'client-gone');
        const otherClient = [...(await issueForAccount(subject.store, 'acct-c1', ['client-kept'])), ...(await issueGrantless(subject.store, 'client-kept'))];
        await subject.store.revokeClient('client-gone');
        for (const [model, id] of [...grants, ...grantless]) {
          const survives = model === 'Session';
          expect([model, await adapter(model).find(id)]).toEqual([model, survives ? expect.anything() : undefined]);
        }
        for (const [model, id] of otherClient) expect([model, await adapter(model).find(id)]).toEqual([model, expect.anything()]);
      });

      test('revokes a busy client: more tokens than one page of its index', async () => {
        const ids = Array.from({ length: 1234 }, () => tokenId());
        await Promise.all(ids.map((id) => adapter('ClientCredentials').upsert(id, { jti: id, kind: 'ClientCredentials', clientId: 'client-busy' }, 600)));
        await subject.store.revokeClient('client-busy');
        const left = await Promise.all(ids.map((id) => adapter('ClientCredentials').find(id)));
        expect(left.filter(Boolean)).toHaveLength(0);
      });

      test('a client re-created with the same client_id starts with nothing, and its new tokens can be revoked too', async () => {
        const before = await issueGrantless(subject.store, 'client-again');
        await subject.store.revokeClient('client-again');
        const after = await issueGrantless(subject.store, 'client-again');
        for (const [model, id] of before) expect(await adapter(model).find(id)).toBeUndefined();
        for (const [model, id] of after) expect(await adapter(model).find(id)).toBeDefined();
        await subject.store.revokeClient('client-again');
        for (const [model, id] of after) expect(await adapter(model).find(id)).toBeUndefined();
      });
    });
  });
});

const modelKey = (model: string) => ({ AccessToken: 'accessToken', RefreshToken: 'refreshToken', AuthorizationCode: 'code' })[model] as 'accessToken' | 'refreshToken' | 'code';

function unsecuredRequest(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

type Issued = Array<[model: string, id: string]>;

/** What a user's sign-in leaves: a session, and per client a grant with its code and tokens. */
async function issueForAccount(store: ArtifactStore, accountId: string, clientIds: string[]): Promise<Issued> {
  const issued: Issued = [];
  const save = async (model: string, payload: AdapterPayload, ttl = 600) => {
    const id = tokenId();
    await store.adapterFor(model).upsert(id, { jti: id, kind: model, ...payload }, ttl);
    issued.push([model, id]);
    return id;
  };
  await save('Session', { uid: `uid-${accountId}`, accountId });
  for (const clientId of clientIds) {
    const grantId = await save('Grant', { accountId, clientId }, 3600);
    await save('AuthorizationCode', { grantId, accountId, clientId }, 60);
    await save('AccessToken', { grantId, accountId, clientId }, 60);
    await save('RefreshToken', { grantId, accountId, clientId }, 1800);
  }
  await save('Interaction', { session: { accountId }, params: { client_id: clientIds[0] } });
  return issued;
}

/** What a client has stored without a grant. */
async function issueGrantless(store: ArtifactStore, clientId: string): Promise<Issued> {
  const issued: Issued = [];
  const save = async (model: string, payload: AdapterPayload) => {
    const id = tokenId();
    await store.adapterFor(model).upsert(id, { jti: id, kind: model, ...payload }, 600);
    issued.push([model, id]);
  };
  await save('ClientCredentials', { clientId });
  await save('AccessToken', { clientId });
  await save('PushedAuthorizationRequest', { request: unsecuredRequest({ client_id: clientId, iss: clientId }) });
  await save('Interaction', { params: { client_id: clientId } });
  await save('DeviceCode', { clientId, userCode: `UC-${tokenId()}` });
  return issued;
}

describe('redis key layout', () => {
  test('keys of one grant share a hash slot with the grant, and every key is named by a digest', () => {
    const k = keys('p:');
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    expect(tag(k.index('grant', digest('g1')))).toBe(tag(k.artifact('Grant', digest('g1'))));
    expect(k.artifact('AccessToken', digest('abc'))).toBe(`p:AccessToken:{${digest('abc')}}`);
    expect(digest('abc')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  const withRedis = haveRedis ? describe : describe.skip;
  withRedis('on a single Redis', () => {
    let subject: StoreUnderTest;
    let redis: RedisConnection;
    const adapter = (model: string) => subject.store.adapterFor(model);
    beforeAll(() => {
      subject = openRedis(redisUrl, false);
      redis = subject.store.redis!;
    });
    afterAll(() => subject.close());
    const indexKey = (index: 'grant' | 'account' | 'client', id: string) => keys(subject.store.keyPrefix).index(index, digest(id));

    test('indexes expire with their longest-lived member', async () => {
      await adapter('AccessToken').upsert('ttl-a', { grantId: 'g-ttl' }, 60);
      await adapter('RefreshToken').upsert('ttl-r', { grantId: 'g-ttl' }, 600);
      await adapter('AccessToken').upsert('ttl-b', { grantId: 'g-ttl' }, 30);
      await adapter('ClientCredentials').upsert('ttl-cc1', { clientId: 'c-ttl' }, 900);
      await adapter('ClientCredentials').upsert('ttl-cc2', { clientId: 'c-ttl' }, 60);
      for (const [key, longest] of [[indexKey('grant', 'g-ttl'), 600], [indexKey('client', 'c-ttl'), 900]] as const) {
        const ttl = await redis.ttl(key);
        expect(ttl).toBeGreaterThan(longest - 50);
        expect(ttl).toBeLessThanOrEqual(longest);
      }
      await adapter('Grant').upsert('g-forever', { accountId: 'a-ttl', clientId: 'c-ttl' });
      expect(await redis.ttl(indexKey('client', 'c-ttl'))).toBe(-1);
      await adapter('ClientCredentials').upsert('ttl-cc3', { clientId: 'c-ttl' }, 60);
      expect(await redis.ttl(indexKey('client', 'c-ttl'))).toBe(-1);
    });

    test('members already expired are pruned when the index is written', async () => {
      await adapter('ClientCredentials').upsert('prune-1', { clientId: 'c-prune' }, 1);
      await adapter('ClientCredentials').upsert('prune-2', { clientId: 'c-prune' }, 600);
      expect(await redis.zcard(indexKey('client', 'c-prune'))).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await adapter('ClientCredentials').upsert('prune-3', { clientId: 'c-prune' }, 600);
      expect(await redis.zcard(indexKey('client', 'c-prune'))).toBe(2);
    });

    test('commands per operation: one for each upsert, find and consume', async () => {
      const counts = await countCommands(redis as Redis, subject.store.redis as Redis, subject.store.keyPrefix, {
        'ClientCredentials upsert': () => adapter('ClientCredentials').upsert('rt-cc', { clientId: 'c-rt' }, 600),
        'ClientCredentials find': () => adapter('ClientCredentials').find('rt-cc'),
        'AccessToken upsert': () => adapter('AccessToken').upsert('rt-at', { grantId: 'g-rt', accountId: 'a-rt', clientId: 'c-rt' }, 600),
        'AccessToken find': () => adapter('AccessToken').find('rt-at'),
        'RefreshToken upsert': () => adapter('RefreshToken').upsert('rt-rt', { grantId: 'g-rt', accountId: 'a-rt', clientId: 'c-rt' }, 600),
        'RefreshToken find': () => adapter('RefreshToken').find('rt-rt'),
        'RefreshToken consume': () => adapter('RefreshToken').consume('rt-rt'),
        'RefreshToken consume (replay)': () => adapter('RefreshToken').consume('rt-rt').catch(() => undefined),
        'Grant upsert': () => adapter('Grant').upsert('g-rt', { accountId: 'a-rt', clientId: 'c-rt' }, 600),
        'Grant find': () => adapter('Grant').find('g-rt'),
        'Session upsert': () => adapter('Session').upsert('s-rt', { uid: 'uid-rt', accountId: 'a-rt' }, 600),
        'Session find': () => adapter('Session').find('s-rt'),
        'Session findByUid': () => adapter('Session').findByUid('uid-rt'),
      });
      for (const [operation, count] of Object.entries(counts)) expect([operation, count]).toEqual([operation, operation.endsWith('findByUid') ? 2 : 1]);
    });
  });
});

/**
 * Counts the commands each operation sends that touch this prefix, watching with MONITOR. Only the
 * adapter's own connection counts, and each operation is closed by a marker sent on that
 * connection and waited for, so neither other test files nor a slow MONITOR stream can shift counts.
 */
async function countCommands(redis: Redis, adapterConnection: Redis, prefix: string, operations: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  for (const operation of Object.values(operations)) await operation(); // loads the scripts
  const address = /addr=(\S+)/.exec(String(await adapterConnection.client('INFO')))?.[1];
  if (!address) throw new Error('no address for the adapter connection');
  const monitor = await redis.monitor();
  const seen: string[][] = [];
  const markers = new Map<string, () => void>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    // Commands a script runs are reported too, with source "lua": only what the client sent counts.
    if (source !== address) return;
    if (args[0]?.toLowerCase() === 'echo' && markers.has(args[1] ?? '')) return markers.get(args[1]!)!();
    if (args.some((arg) => arg.startsWith(prefix))) seen.push(args);
  });
  const mark = async (name: string) => {
    const seenMarker = new Promise<void>((resolve) => markers.set(name, resolve));
    await adapterConnection.echo(name);
    await seenMarker;
  };
  const counts: Record<string, number> = {};
  try {
    await mark(`${prefix}marker:start`);
    for (const [name, operation] of Object.entries(operations)) {
      const before = seen.length;
      await operation();
      await mark(`${prefix}marker:${name}`);
      counts[name] = seen.length - before;
    }
  } finally {
    monitor.disconnect();
  }
  return counts;
}
