import type { RedisConnection } from '../redis/connection.ts';
import {
  ACCOUNT_LISTING_LIMIT,
  AlreadyConsumedError,
  deserializePayload,
  digest,
  epochSeconds,
  lookupsOf,
  memberOf,
  ownershipOf,
  parseMember,
  serializePayload,
  ttlSeconds,
  type AdapterPayload,
  type ArtifactAdapter,
  type Lookup,
  type OwnerIndex,
} from './models.ts';

/**
 * Every key is named by a digest (models.ts `digest`), never by the id itself, and carries that
 * digest as its hash tag, so each command touches one slot on Redis Cluster. A grant index shares
 * its tag with the Grant (`{digest(grantId)}`).
 *
 *   <prefix><Model>:{d(id)}        hash {payload, consumed?}  TTL = the artifact's
 *   <prefix>grant:{d(grantId)}     sorted set of `Model:d(id)` by expiry  TTL only ever extended
 *   <prefix>account:{d(accountId)} sorted set, same; members: Grant, Session, Interaction
 *   <prefix>client:{d(clientId)}   sorted set, same; members: Grant and grantless artifacts
 *   <prefix>sessionUid:{d(uid)}    string d(session id)  TTL = the session's
 *   <prefix>userCode:{d(code)}     string d(device code) TTL = the device code's
 */
export const keys = (prefix: string) => ({
  artifact: (model: string, idDigest: string) => `${prefix}${model}:{${idDigest}}`,
  index: (index: OwnerIndex, ownerDigest: string) => `${prefix}${index}:{${ownerDigest}}`,
  lookup: (lookup: Lookup, valueDigest: string) => `${prefix}${lookup}:{${valueDigest}}`,
});

// Lua shared by the scripts below. An index is a sorted set scored by each member's expiry (epoch
// seconds, +inf for none); members already expired are pruned on every write, so an index stays as
// small as its live members. Its TTL is only ever extended (or made permanent).
const LUA_ADD_TO_INDEX = `
local function addToIndex(key, member, expiresAt, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local ttl = redis.call('TTL', key)
  redis.call('ZADD', key, expiresAt, member)
  if expiresAt == '+inf' then redis.call('PERSIST', key) return end
  local wanted = tonumber(expiresAt) - tonumber(now)
  if ttl == -2 or (ttl >= 0 and ttl < wanted) then redis.call('EXPIRE', key, wanted) end
end`;

// Every artifact is a hash, whatever its model, so any of them can be consumed.
const LUA_WRITE_ARTIFACT = `
local function writeArtifact(key, json, ttl)
  redis.call('DEL', key)
  redis.call('HSET', key, 'payload', json)
  if tonumber(ttl) > 0 then redis.call('EXPIRE', key, ttl) end
end
local function writeLookup(key, value, ttl)
  if tonumber(ttl) > 0 then redis.call('SET', key, value, 'EX', ttl) else redis.call('SET', key, value) end
end`;

// One round trip for an artifact with its indexes and lookups, when all keys may be in one command
// (a single Redis). KEYS: artifact, ARGV[6] index keys, then lookup keys.
// ARGV: json, ttl, expiresAt, now, member, index count, lookup value.
const UPSERT_SCRIPT = `${LUA_ADD_TO_INDEX}${LUA_WRITE_ARTIFACT}
local indexes = tonumber(ARGV[6])
for i = 2, indexes + 1 do addToIndex(KEYS[i], ARGV[5], ARGV[3], ARGV[4]) end
writeArtifact(KEYS[1], ARGV[1], ARGV[2])
for i = indexes + 2, #KEYS do writeLookup(KEYS[i], ARGV[7], ARGV[2]) end
return 1`;

const INDEX_SCRIPT = `${LUA_ADD_TO_INDEX}
addToIndex(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
return 1`;

const WRITE_SCRIPT = `${LUA_WRITE_ARTIFACT}
writeArtifact(KEYS[1], ARGV[1], ARGV[2])
return 1`;

// Marks an artifact consumed exactly once: 1 = consumed now, -1 = gone, else (already consumed)
// its payload, from which the caller learns the grant to revoke.
const CONSUME_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1]) == 1 then return 1 end
return redis.call('HGET', KEYS[1], 'payload')`;

type ScriptingRedis = RedisConnection & {
  portcullisUpsert(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<number>;
  portcullisIndex(key: string, member: string, expiresAt: string, now: number): Promise<number>;
  portcullisWrite(key: string, json: string, ttl: number): Promise<number>;
  portcullisConsume(key: string, now: number): Promise<number | string>;
};

function withScripts(redis: RedisConnection): ScriptingRedis {
  const scripting = redis as ScriptingRedis;
  if (typeof scripting.portcullisConsume !== 'function') {
    redis.defineCommand('portcullisUpsert', { lua: UPSERT_SCRIPT });
    redis.defineCommand('portcullisIndex', { numberOfKeys: 1, lua: INDEX_SCRIPT });
    redis.defineCommand('portcullisWrite', { numberOfKeys: 1, lua: WRITE_SCRIPT });
    redis.defineCommand('portcullisConsume', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
  }
  return scripting;
}

const REVOKE_PAGE = 500;

/** The Redis store: adapters per model over one connection, plus account and client revocation. */
export class RedisArtifacts {
  readonly redis: ScriptingRedis;
  readonly keys: ReturnType<typeof keys>;
  readonly #adapters = new Map<string, RedisAdapter>();

  constructor(redis: RedisConnection, prefix: string) {
    this.redis = withScripts(redis);
    this.keys = keys(prefix);
  }

  adapterFor(model: string): ArtifactAdapter {
    let adapter = this.#adapters.get(model);
    if (!adapter) this.#adapters.set(model, (adapter = new RedisAdapter(model, this)));
    return adapter;
  }

  async revokeAccount(accountId: string): Promise<void> {
    await this.revokeIndex(this.keys.index('account', digest(accountId)));
  }

  async revokeAccountGrants(accountId: string): Promise<void> {
    const indexKey = this.keys.index('account', digest(accountId));
    // An account's index holds its sessions and grants: few enough to read at once.
    const grants = (await this.redis.zrange(indexKey, '0', '-1')).filter((member) => parseMember(member).model === 'Grant');
    for (const member of grants) {
      await this.revokeIndex(this.keys.index('grant', parseMember(member).idDigest));
      await this.#deleteKeys([this.#keyOf(member)]);
      await this.redis.zrem(indexKey, member);
    }
  }

  async revokeClient(clientId: string): Promise<void> {
    await this.revokeIndex(this.keys.index('client', digest(clientId)));
  }

  async listAccountArtifacts(accountId: string): Promise<Array<{ model: string; ref: string; payload: AdapterPayload }>> {
    // The longest-lived first, at most ACCOUNT_LISTING_LIMIT: what a page can show.
    const members = await this.redis.zrevrangebyscore(this.keys.index('account', digest(accountId)), '+inf', String(epochSeconds()), 'LIMIT', 0, ACCOUNT_LISTING_LIMIT);
    const stored = await Promise.all(members.map((member) => this.redis.hmget(this.#keyOf(member), 'payload', 'consumed')));
    return members.flatMap((member, index) => {
      const [json, consumed] = stored[index] ?? [];
      const { model } = parseMember(member);
      return json ? [{ model, ref: member, payload: deserializePayload(model, undefined, json, consumed) }] : [];
    });
  }

  async revokeAccountArtifact(accountId: string, ref: string): Promise<boolean> {
    const indexKey = this.keys.index('account', digest(accountId));
    if ((await this.redis.zscore(indexKey, ref)) === null) return false;
    const { model, idDigest } = parseMember(ref);
    if (model === 'Grant') await this.revokeIndex(this.keys.index('grant', idDigest));
    await this.#deleteKeys([this.#keyOf(ref)]);
    await this.redis.zrem(indexKey, ref);
    return true;
  }

  /**
   * Deletes every artifact an index lists (a Grant with everything in its own grant index first),
   * a page at a time, removing from the index only what was deleted: after a failure half-way the
   * index still lists what is left, so a retry finishes the job.
   */
  async revokeIndex(indexKey: string): Promise<void> {
    for (;;) {
      const members = await this.redis.zrange(indexKey, '0', String(REVOKE_PAGE - 1));
      if (!members.length) return;
      const grants = members.map(parseMember).filter(({ model }) => model === 'Grant');
      await Promise.all(grants.map(({ idDigest }) => this.revokeIndex(this.keys.index('grant', idDigest))));
      await this.#deleteKeys(members.map((member) => this.#keyOf(member)));
      await this.redis.zrem(indexKey, ...members);
    }
  }

  async #deleteKeys(keysToDelete: string[]): Promise<void> {
    // On Redis Cluster the keys live in different slots: one DEL each, sent at once.
    if (this.redis.isCluster) await Promise.all(keysToDelete.map((key) => this.redis.del(key)));
    else await this.redis.del(...keysToDelete);
  }

  #keyOf(member: string): string {
    const { model, idDigest } = parseMember(member);
    return this.keys.artifact(model, idDigest);
  }
}

/** oidc-provider adapter for one model, storing artifacts in Redis with their TTLs. */
export class RedisAdapter implements ArtifactAdapter {
  readonly #model: string;
  readonly #store: RedisArtifacts;
  readonly #redis: ScriptingRedis;
  readonly #keys: ReturnType<typeof keys>;

  constructor(model: string, store: RedisArtifacts) {
    this.#model = model;
    this.#store = store;
    this.#redis = store.redis;
    this.#keys = store.keys;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = ttlSeconds(expiresIn);
    const idDigest = digest(id);
    const now = epochSeconds();
    const write: ArtifactWrite = {
      key: this.#keys.artifact(this.#model, idDigest),
      json: serializePayload(this.#model, id, payload),
      ttl,
      member: memberOf(this.#model, idDigest),
      now,
      expiresAt: ttl ? String(now + ttl) : '+inf',
      indexKeys: ownershipOf(this.#model, payload).map(({ index, ownerId }) => this.#keys.index(index, digest(ownerId))),
      lookupKeys: lookupsOf(this.#model, payload).map(({ lookup, value }) => this.#keys.lookup(lookup, digest(value))),
      lookupValue: idDigest,
    };
    if (this.#redis.isCluster) await this.#upsertAcrossSlots(write);
    else await this.#upsertInOneScript(write);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#read(digest(id), id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findByLookup('sessionUid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findByLookup('userCode', userCode);
  }

  async consume(id: string): Promise<void> {
    const result = await this.#redis.portcullisConsume(this.#keys.artifact(this.#model, digest(id)), epochSeconds());
    // Gone between find and consume (revoked or expired meanwhile): not usable either.
    if (result === -1) throw new AlreadyConsumedError(this.#model, undefined);
    if (typeof result === 'string') throw new AlreadyConsumedError(this.#model, deserializePayload(this.#model, id, result, undefined).grantId);
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#keys.artifact(this.#model, digest(id)));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#store.revokeIndex(this.#keys.index('grant', digest(grantId)));
  }

  async #upsertInOneScript(write: ArtifactWrite): Promise<void> {
    const keysOfScript = [write.key, ...write.indexKeys, ...write.lookupKeys];
    const args = [write.json, write.ttl, write.expiresAt, write.now, write.member, write.indexKeys.length, write.lookupValue];
    await this.#redis.portcullisUpsert(keysOfScript.length, ...keysOfScript, ...args);
  }

  // Each index lives in its owner's slot, so it is a command of its own, and it is written before
  // the artifact: a failure in between leaves a harmless dangling member rather than a token that
  // revocation cannot find.
  async #upsertAcrossSlots(write: ArtifactWrite): Promise<void> {
    await Promise.all(write.indexKeys.map((key) => this.#redis.portcullisIndex(key, write.member, write.expiresAt, write.now)));
    await Promise.all([
      this.#redis.portcullisWrite(write.key, write.json, write.ttl),
      ...write.lookupKeys.map((key) => (write.ttl ? this.#redis.set(key, write.lookupValue, 'EX', write.ttl) : this.#redis.set(key, write.lookupValue))),
    ]);
  }

  async #findByLookup(lookup: Lookup, value: string): Promise<AdapterPayload | undefined> {
    const idDigest = await this.#redis.get(this.#keys.lookup(lookup, digest(value)));
    return idDigest ? this.#read(idDigest, undefined) : undefined;
  }

  async #read(idDigest: string, id: string | undefined): Promise<AdapterPayload | undefined> {
    const [json, consumed] = await this.#redis.hmget(this.#keys.artifact(this.#model, idDigest), 'payload', 'consumed');
    return json ? deserializePayload(this.#model, id, json, consumed) : undefined;
  }
}

interface ArtifactWrite {
  readonly key: string;
  readonly json: string;
  readonly ttl: number;
  readonly now: number;
  readonly member: string;
  readonly expiresAt: string;
  readonly indexKeys: string[];
  readonly lookupKeys: string[];
  readonly lookupValue: string;
}
