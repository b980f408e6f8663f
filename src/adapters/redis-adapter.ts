import type { Cluster, Redis } from 'ioredis';
import {
  AlreadyConsumedError,
  CONSUMABLE_MODELS,
  GRANTABLE_MODELS,
  epochSeconds,
  type AdapterPayload,
  type ArtifactAdapter,
} from './models.ts';

export type RedisConnection = Redis | Cluster;

// Every key carries its own id as a hash tag, so each command touches one slot on Redis Cluster. The
// grant index shares its tag with the Grant itself (`{grantId}`).
export const keys = (prefix: string) => ({
  artifact: (model: string, id: string) => `${prefix}${model}:{${id}}`,
  grantIndex: (grantId: string) => `${prefix}grant:{${grantId}}`,
  sessionUid: (uid: string) => `${prefix}sessionUid:{${uid}}`,
  userCode: (userCode: string) => `${prefix}userCode:{${userCode}}`,
});

// Marks a stored artifact consumed exactly once: 1 = consumed now, 0 = already consumed, -1 = gone.
const CONSUME_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])`;

// Adds a member to the grant index. A new index gets the member's lifetime; an existing one is
// only ever extended (or made permanent for a member without expiry).
const INDEX_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
local wanted = tonumber(ARGV[2])
if wanted <= 0 then redis.call('PERSIST', KEYS[1])
elseif existed == 0 or (ttl >= 0 and ttl < wanted) then redis.call('EXPIRE', KEYS[1], wanted) end
return 1`;

type ScriptingRedis = RedisConnection & {
  portcullisConsume(key: string, now: number): Promise<number>;
  portcullisIndex(key: string, member: string, ttl: number): Promise<number>;
};

function withScripts(redis: RedisConnection): ScriptingRedis {
  const scripting = redis as ScriptingRedis;
  if (typeof scripting.portcullisConsume !== 'function') {
    redis.defineCommand('portcullisConsume', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
    redis.defineCommand('portcullisIndex', { numberOfKeys: 1, lua: INDEX_SCRIPT });
  }
  return scripting;
}

/** oidc-provider adapter for one model, storing artifacts in Redis with their TTLs. */
export class RedisAdapter implements ArtifactAdapter {
  readonly #model: string;
  readonly #redis: ScriptingRedis;
  readonly #keys: ReturnType<typeof keys>;
  readonly #consumable: boolean;

  constructor(model: string, redis: RedisConnection, prefix: string) {
    this.#model = model;
    this.#redis = withScripts(redis);
    this.#keys = keys(prefix);
    this.#consumable = CONSUMABLE_MODELS.has(model);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#keys.artifact(this.#model, id);
    const ttl = expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : 0;
    const json = JSON.stringify(payload);

    // The index is written before the artifact so a crash in between leaves a harmless dangling
    // index entry rather than a token that revocation cannot find.
    if (GRANTABLE_MODELS.has(this.#model) && payload.grantId) {
      await this.#redis.portcullisIndex(this.#keys.grantIndex(payload.grantId), key, ttl);
    }

    if (this.#consumable) {
      const transaction = this.#redis.multi().del(key).hset(key, 'payload', json);
      if (ttl) transaction.expire(key, ttl);
      await transaction.exec();
    } else if (ttl) {
      await this.#redis.set(key, json, 'EX', ttl);
    } else {
      await this.#redis.set(key, json);
    }

    if (payload.uid && this.#model === 'Session') await this.#setIndex(this.#keys.sessionUid(payload.uid), id, ttl);
    if (payload.userCode) await this.#setIndex(this.#keys.userCode(payload.userCode), id, ttl);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = this.#keys.artifact(this.#model, id);
    if (!this.#consumable) {
      const json = await this.#redis.get(key);
      return json ? (JSON.parse(json) as AdapterPayload) : undefined;
    }
    const [json, consumed] = await this.#redis.hmget(key, 'payload', 'consumed');
    if (!json) return undefined;
    const payload = JSON.parse(json) as AdapterPayload;
    return consumed ? { ...payload, consumed: Number(consumed) } : payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.#redis.get(this.#keys.sessionUid(uid));
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.#redis.get(this.#keys.userCode(userCode));
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const key = this.#keys.artifact(this.#model, id);
    const result = await this.#redis.portcullisConsume(key, epochSeconds());
    if (result === 0) {
      const payload = await this.find(id);
      throw new AlreadyConsumedError(this.#model, payload?.grantId);
    }
    // Gone between find and consume (revoked or expired meanwhile): not usable either.
    if (result === -1) throw new AlreadyConsumedError(this.#model, undefined);
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#keys.artifact(this.#model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const indexKey = this.#keys.grantIndex(grantId);
    const members = await this.#redis.smembers(indexKey);
    // One DEL per key: members live in different hash slots on Redis Cluster.
    await Promise.all(members.map((member) => this.#redis.del(member)));
    await this.#redis.del(indexKey);
  }

  async #setIndex(key: string, id: string, ttl: number): Promise<void> {
    if (ttl) await this.#redis.set(key, id, 'EX', ttl);
    else await this.#redis.set(key, id);
  }
}
