/**
 * Where accepted DPoP proofs are remembered until they are too old to be accepted again
 * (RFC 9449 §11.1). A proof is refused when its key is already recorded.
 *
 * - {@link MemoryReplayStore} (the default): per process, bounded.
 * - {@link createRedisReplayStore}: shared by every instance of the API through Redis, so a proof
 *   accepted by one instance is refused by all the others.
 * - Anything else implementing {@link ReplayStore}.
 */

/** A store of DPoP proof keys. */
export interface ReplayStore {
  /**
   * Atomically records `key` for `ttlMs` milliseconds. Returns (or resolves to) `true` when the
   * key was not recorded yet, `false` when it was (a replay). Throw or reject when the store
   * cannot tell: the proof is then refused (fail closed).
   *
   * Keys are short (43 characters, base64url) and already hashed; `ttlMs` is a positive integer.
   */
  recordOnce(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/** Thrown by {@link MemoryReplayStore} when every slot holds a proof still inside its window. */
export class ReplayStoreFullError extends Error {
  override readonly name = 'ReplayStoreFullError';
}

/** @internal */
export type ReplayVerdict = 'recorded' | 'replayed' | 'full';

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most keys remembered; default 100 000. */
  readonly maxEntries?: number;
}

/**
 * Remembers keys in this process's memory.
 *
 * Bounded, but it never forgets a live entry to make room: forgetting one would let that proof
 * be replayed. When every slot holds a live entry, new proofs are refused
 * ({@link ReplayStoreFullError}) until the oldest ones expire. Behind several instances a proof
 * could be replayed once against each other instance within its window: use
 * {@link createRedisReplayStore} there.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #capacity: number;
  /** Key -> expiry (ms). Insertion order is expiry order while every entry lives the same TTL. */
  readonly #expiries = new Map<string, number>();

  constructor(options: MemoryReplayStoreOptions = {}) {
    const capacity = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError('MemoryReplayStore: maxEntries must be an integer >= 1');
    this.#capacity = capacity;
  }

  recordOnce(key: string, ttlMs: number): boolean {
    switch (this.remember(key, ttlMs, Date.now())) {
      case 'recorded':
        return true;
      case 'replayed':
        return false;
      case 'full':
        throw new ReplayStoreFullError('DPoP replay store is full');
    }
  }

  /** @internal Records `key` at `now` (ms) unless it is already live or no slot can be freed. */
  remember(key: string, ttlMs: number, now: number): ReplayVerdict {
    const expiresAt = this.#expiries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return 'replayed';
    this.#evictExpired(now);
    if (this.#expiries.size >= this.#capacity) return 'full';
    this.#expiries.delete(key);
    this.#expiries.set(key, now + ttlMs);
    return 'recorded';
  }

  /** Number of keys held (live or not yet evicted). */
  get size(): number {
    return this.#expiries.size;
  }

  /**
   * Stops at the first live entry. If the clock stepped back (or TTLs differ), a later entry may
   * expire before an earlier one and linger: that only makes the store refuse sooner, never
   * accept a replay.
   */
  #evictExpired(now: number): void {
    for (const [key, expiresAt] of this.#expiries) {
      if (expiresAt > now) return;
      this.#expiries.delete(key);
    }
  }
}

/**
 * A Redis client as ioredis (or iovalkey, ioredis-mock…) shapes it:
 * `set(key, value, 'PX', ms, 'NX')` resolves to `'OK'`, or `null` when the key exists.
 */
export interface IoredisLikeClient {
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
}

/**
 * A node-redis (`redis` package, v4 and later) client or cluster:
 * `set(key, value, { PX, NX: true })` resolves to `'OK'`, or `null` when the key exists.
 * Recognized by its `isOpen` property.
 */
export interface NodeRedisLikeClient {
  readonly isOpen: boolean;
  set(key: string, value: string, options: NodeRedisSetOptions): Promise<unknown>;
}

/** SET options understood by node-redis 4 (`PX`, `NX`) and 5+ (`expiration`, `condition`). */
export interface NodeRedisSetOptions {
  readonly expiration: { readonly type: 'PX'; readonly value: number };
  readonly condition: 'NX';
  readonly PX: number;
  readonly NX: true;
}

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** Prefix of every key; default `'portcullis:rs:dpop:'`. Give each API its own if they share proofs' keys space. */
  readonly prefix?: string;
  /** How long to wait for Redis before refusing the proof, milliseconds; default 2000. */
  readonly timeoutMs?: number;
}

type SetNx = (key: string, ttlMs: number) => Promise<unknown>;

function setNxOf(client: IoredisLikeClient | NodeRedisLikeClient): SetNx {
  if (typeof client !== 'object' || client === null || typeof client.set !== 'function') {
    throw new TypeError('createRedisReplayStore: pass an ioredis or node-redis client (an object with a set() method)');
  }
  if ('isOpen' in client) {
    // node-redis: positional 'PX'/'NX' arguments would be ignored there, silently dropping NX.
    const nodeRedis = client;
    return (key, ttlMs) => nodeRedis.set(key, '1', { expiration: { type: 'PX', value: ttlMs }, condition: 'NX', PX: ttlMs, NX: true });
  }
  const ioredis = client;
  return (key, ttlMs) => ioredis.set(key, '1', 'PX', ttlMs, 'NX');
}

/**
 * A {@link ReplayStore} in Redis, shared by every instance of the API: `SET key 1 PX ttl NX`,
 * atomic, so of two instances that see the same proof at the same time exactly one accepts it.
 * Keys expire by themselves. Bring your own client (the package depends on no Redis library):
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';                 // or: import { createClient } from 'redis';
 * const store = createRedisReplayStore(new Redis(process.env.REDIS_URL));
 * // node-redis: createRedisReplayStore(await createClient({ url: process.env.REDIS_URL }).connect())
 * const rs = createResourceServer({ issuer, audience, publicUrl, dpopReplayStore: store });
 * ```
 *
 * When Redis fails or does not answer within `timeoutMs`, the proof is refused.
 */
export function createRedisReplayStore(
  client: IoredisLikeClient | NodeRedisLikeClient,
  options: RedisReplayStoreOptions = {},
): ReplayStore {
  const setNx = setNxOf(client);
  const prefix = options.prefix ?? 'portcullis:rs:dpop:';
  if (typeof prefix !== 'string') throw new TypeError('createRedisReplayStore: prefix must be a string');
  const timeoutMs = options.timeoutMs ?? 2000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError('createRedisReplayStore: timeoutMs must be a number > 0');
  }
  return Object.freeze({
    async recordOnce(key: string, ttlMs: number): Promise<boolean> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const reply = await Promise.race([setNx(`${prefix}${key}`, Math.max(1, Math.ceil(ttlMs))), timeout]);
        if (reply === 'OK') return true;
        if (reply === null) return false;
        throw new Error(`unexpected reply to SET … NX: ${typeof reply === 'string' ? reply : JSON.stringify(reply)}`);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
