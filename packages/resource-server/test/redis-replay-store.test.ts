/**
 * DPoP replay protection shared across API instances: createRedisReplayStore() against the real
 * Redis (REDIS_URL), with ioredis and with node-redis. Skipped without REDIS_URL.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { createRedisReplayStore, type ReplayStore } from '../src/index.ts';
import {
  AUDIENCE,
  makeDpopKey,
  makeKey,
  signAccessToken,
  signProof,
  startApi,
  startIssuer,
  type DpopKey,
  type FakeIssuer,
  type SigningKey,
  type TestApi,
} from './helpers.ts';

const REDIS_URL = process.env.REDIS_URL;
const describeWithRedis = REDIS_URL ? describe : describe.skip;
const PUBLIC_URL = 'https://api.example.com';

let key: SigningKey;
let issuer: FakeIssuer;
let holder: DpopKey;

beforeAll(async () => {
  key = await makeKey('ES256', 'k1');
  issuer = await startIssuer([key]);
  holder = await makeDpopKey();
});
afterAll(() => issuer.close());

describe('createRedisReplayStore() checks its arguments', () => {
  test('a client with a set() method is required, timeoutMs must be positive', () => {
    expect(() => createRedisReplayStore({} as never)).toThrow(/ioredis or node-redis/);
    expect(() => createRedisReplayStore({ set: () => Promise.resolve('OK') }, { timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  test('ioredis style: set(key, "1", "PX", ttl, "NX"); node-redis style (isOpen): set(key, "1", { PX, NX })', async () => {
    const calls: unknown[][] = [];
    const ioredisLike = { set: (...args: unknown[]) => (calls.push(args), Promise.resolve('OK')) };
    await createRedisReplayStore(ioredisLike, { prefix: 'p:' }).recordOnce('k', 1500);
    expect(calls.pop()).toEqual(['p:k', '1', 'PX', 1500, 'NX']);
    const nodeRedisLike = { isOpen: true, set: (...args: unknown[]) => (calls.push(args), Promise.resolve(null)) };
    expect(await createRedisReplayStore(nodeRedisLike, { prefix: 'p:' }).recordOnce('k', 1500)).toBe(false);
    expect(calls.pop()).toEqual(['p:k', '1', { expiration: { type: 'PX', value: 1500 }, condition: 'NX', PX: 1500, NX: true }]);
  });

  test('a failing or silent Redis refuses the proof (fail closed)', async () => {
    const failing = createRedisReplayStore({ set: () => Promise.reject(new Error('ECONNREFUSED')) });
    await expect(failing.recordOnce('k', 1000)).rejects.toThrow('ECONNREFUSED');
    const silent = createRedisReplayStore({ set: () => new Promise(() => undefined) }, { timeoutMs: 50 });
    await expect(silent.recordOnce('k', 1000)).rejects.toThrow(/did not answer/);
    const odd = createRedisReplayStore({ set: () => Promise.resolve(1) });
    await expect(odd.recordOnce('k', 1000)).rejects.toThrow(/unexpected reply/);

    const api = await startApi({ issuer: issuer.url, audience: AUDIENCE, publicUrl: PUBLIC_URL, dpopReplayStore: failing });
    try {
      const token = await signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt } } });
      const proof = await signProof(holder, { htm: 'GET', htu: `${PUBLIC_URL}/protected`, accessToken: token });
      const res = await api.request('/protected', { headers: { authorization: `DPoP ${token}`, dpop: proof } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP replay check unavailable' });
    } finally {
      await api.close();
    }
  });
});

type Client = { store: (prefix: string) => ReplayStore; close: () => Promise<void> };

const clients: [string, () => Promise<Client>][] = [
  [
    'ioredis',
    async () => {
      const redis = new Redis(REDIS_URL ?? '', { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      return { store: (prefix) => createRedisReplayStore(redis, { prefix }), close: async () => void (await redis.quit()) };
    },
  ],
  [
    'node-redis',
    async () => {
      const redis = await createClient({ url: REDIS_URL ?? '' }).connect();
      return { store: (prefix) => createRedisReplayStore(redis, { prefix }), close: async () => void (await redis.quit()) };
    },
  ],
];

describeWithRedis.each(clients)('shared through the real Redis, with %s', (_name, connect) => {
  // Two API instances, each with its own client, as two processes would have.
  let first: Client;
  let second: Client;
  let instanceA: TestApi;
  let instanceB: TestApi;
  const prefix = `test:rs:dpop:${randomUUID()}:`;

  beforeAll(async () => {
    [first, second] = [await connect(), await connect()];
    instanceA = await startApi({
      issuer: issuer.url,
      audience: AUDIENCE,
      publicUrl: PUBLIC_URL,
      dpopReplayStore: first.store(prefix),
      dpopMaxAgeSeconds: 5,
    });
    instanceB = await startApi({
      issuer: issuer.url,
      audience: AUDIENCE,
      publicUrl: PUBLIC_URL,
      dpopReplayStore: second.store(prefix),
      dpopMaxAgeSeconds: 5,
    });
  });
  afterAll(async () => {
    await Promise.all([instanceA.close(), instanceB.close()]);
    await Promise.all([first.close(), second.close()]);
  });

  const request = async (api: TestApi, token: string, proof: string) =>
    api.request('/protected', { headers: { authorization: `DPoP ${token}`, dpop: proof } });

  test('a proof used on one instance is refused on the other', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt } } });
    const proof = await signProof(holder, { htm: 'GET', htu: `${PUBLIC_URL}/protected`, accessToken: token });
    expect((await request(instanceA, token, proof)).status).toBe(200);
    const replayed = await request(instanceB, token, proof);
    expect(replayed.status).toBe(401);
    expect(replayed.body).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof replayed' });
    expect((await request(instanceA, token, proof)).status).toBe(401);
    // A fresh proof is fine on either.
    const fresh = await signProof(holder, { htm: 'GET', htu: `${PUBLIC_URL}/protected`, accessToken: token });
    expect((await request(instanceB, token, fresh)).status).toBe(200);
  });

  test('sent to both at once, one proof is accepted exactly once', async () => {
    const token = await signAccessToken(key, issuer.url, { claims: { cnf: { jkt: holder.jkt } } });
    for (let round = 0; round < 5; round += 1) {
      const proof = await signProof(holder, { htm: 'GET', htu: `${PUBLIC_URL}/protected`, accessToken: token });
      const statuses = await Promise.all(
        [instanceA, instanceB, instanceA, instanceB].map((api) => request(api, token, proof).then((res) => res.status)),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    }
  });

  test('keys expire after their TTL', async () => {
    const probe = first.store(`${prefix}ttl:`);
    expect(await probe.recordOnce('k', 100)).toBe(true);
    expect(await probe.recordOnce('k', 100)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await probe.recordOnce('k', 100)).toBe(true);
  });
});
