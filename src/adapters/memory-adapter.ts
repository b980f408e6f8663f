import {
  ACCOUNT_LISTING_LIMIT,
  AlreadyConsumedError,
  deserializePayload,
  digest,
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

interface Entry<T> {
  value: T;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; the system clock unless given (tests move time instead of waiting). */
  readonly now?: () => number;
}

/**
 * The embedded artifact store used when no REDIS_URL is set: one process, kept in memory, expired
 * entries and index members swept periodically. Same layout and semantics as the Redis store (the
 * contract suite runs on both): entries are keyed `Model:digest`, indexes `grant|account|client:digest`.
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry<unknown>>();
  /** index key -> member -> when the member expires (ms); an index lives as long as its longest member. */
  readonly #indexes = new Map<string, Map<string, number>>();
  readonly #sweeper: NodeJS.Timeout;
  /** The store's clock: every expiry is set and checked by it. */
  readonly now: () => number;

  constructor({ now = () => Date.now() }: MemoryStoreOptions = {}) {
    this.now = now;
    this.#sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  get<T>(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  set(key: string, value: unknown, ttlSeconds: number): void {
    this.#entries.set(key, { value, expiresAt: this.expiryOf(ttlSeconds) });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** When something stored now for `ttlSeconds` expires (ms); never for a TTL of 0. */
  expiryOf(ttlSeconds: number): number {
    return ttlSeconds > 0 ? this.now() + ttlSeconds * 1000 : Infinity;
  }

  addToIndex(indexKey: string, member: string, expiresAt: number): void {
    let members = this.#indexes.get(indexKey);
    if (!members) this.#indexes.set(indexKey, (members = new Map<string, number>()));
    members.set(member, expiresAt);
  }

  indexMembers(indexKey: string): string[] {
    const now = this.now();
    return [...(this.#indexes.get(indexKey) ?? [])].filter(([, expiresAt]) => expiresAt > now).map(([member]) => member);
  }

  removeFromIndex(indexKey: string, members: readonly string[]): void {
    const index = this.#indexes.get(indexKey);
    if (!index) return;
    for (const member of members) index.delete(member);
    if (index.size === 0) this.#indexes.delete(indexKey);
  }

  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [key, members] of this.#indexes) {
      for (const [member, expiresAt] of members) if (expiresAt <= now) members.delete(member);
      if (members.size === 0) this.#indexes.delete(key);
    }
  }

  /** Every live key with its value, indexes included (members as arrays): for tests and diagnostics. */
  *dump(): Generator<[string, unknown]> {
    for (const key of this.#entries.keys()) {
      const value = this.get(key);
      if (value !== undefined) yield [key, value];
    }
    for (const key of this.#indexes.keys()) yield [key, this.indexMembers(key)];
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#entries.clear();
    this.#indexes.clear();
  }
}

interface StoredArtifact {
  payload: string;
  consumed?: number;
}

const indexKey = (index: OwnerIndex, ownerId: string): string => `${index}:${digest(ownerId)}`;
const lookupKey = (lookup: Lookup, value: string): string => `${lookup}:${digest(value)}`;

export class MemoryAdapter implements ArtifactAdapter {
  readonly #model: string;
  readonly #store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = ttlSeconds(expiresIn);
    const idDigest = digest(id);
    const member = memberOf(this.#model, idDigest);
    const expiresAt = this.#store.expiryOf(ttl);
    for (const { index, ownerId } of ownershipOf(this.#model, payload)) this.#store.addToIndex(indexKey(index, ownerId), member, expiresAt);
    // Stored serialized, as in Redis, so callers can never mutate what is stored.
    this.#store.set(member, { payload: serializePayload(this.#model, id, payload) } satisfies StoredArtifact, ttl);
    for (const { lookup, value } of lookupsOf(this.#model, payload)) this.#store.set(lookupKey(lookup, value), idDigest, ttl);
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
    const stored = this.#store.get<StoredArtifact>(memberOf(this.#model, digest(id)));
    // Gone between find and consume (revoked or expired meanwhile): not usable either.
    if (!stored) throw new AlreadyConsumedError(this.#model, undefined);
    if (stored.consumed) {
      const payload = deserializePayload(this.#model, id, stored.payload, stored.consumed);
      throw new AlreadyConsumedError(this.#model, payload.grantId);
    }
    stored.consumed = Math.floor(this.#store.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(memberOf(this.#model, digest(id)));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    revokeIndex(this.#store, indexKey('grant', grantId));
  }

  #findByLookup(lookup: Lookup, value: string): AdapterPayload | undefined {
    const idDigest = this.#store.get<string>(lookupKey(lookup, value));
    return idDigest ? this.#read(idDigest, undefined) : undefined;
  }

  #read(idDigest: string, id: string | undefined): AdapterPayload | undefined {
    const stored = this.#store.get<StoredArtifact>(memberOf(this.#model, idDigest));
    return stored ? deserializePayload(this.#model, id, stored.payload, stored.consumed) : undefined;
  }
}

/** Destroys every member of an index (a Grant member together with its own grant index), then the entries it listed. */
function revokeIndex(store: MemoryStore, key: string): void {
  const members = store.indexMembers(key);
  for (const member of members) {
    const { model, idDigest } = parseMember(member);
    if (model === 'Grant') revokeIndex(store, `grant:${idDigest}`);
    store.delete(member);
  }
  store.removeFromIndex(key, members);
}

/** The embedded store: one adapter per model over one MemoryStore, plus account and client revocation. */
export class MemoryArtifacts {
  readonly store: MemoryStore;
  readonly #adapters = new Map<string, MemoryAdapter>();

  constructor(store = new MemoryStore()) {
    this.store = store;
  }

  adapterFor(model: string): ArtifactAdapter {
    let adapter = this.#adapters.get(model);
    if (!adapter) this.#adapters.set(model, (adapter = new MemoryAdapter(model, this.store)));
    return adapter;
  }

  async revokeAccount(accountId: string): Promise<void> {
    revokeIndex(this.store, indexKey('account', accountId));
  }

  async revokeAccountGrants(accountId: string): Promise<void> {
    const key = indexKey('account', accountId);
    const grants = this.store.indexMembers(key).filter((member) => parseMember(member).model === 'Grant');
    for (const member of grants) {
      revokeIndex(this.store, `grant:${parseMember(member).idDigest}`);
      this.store.delete(member);
    }
    this.store.removeFromIndex(key, grants);
  }

  async revokeClient(clientId: string): Promise<void> {
    revokeIndex(this.store, indexKey('client', clientId));
  }

  listAccountArtifacts(accountId: string): Array<{ model: string; ref: string; payload: AdapterPayload }> {
    return this.store.indexMembers(indexKey('account', accountId)).slice(0, ACCOUNT_LISTING_LIMIT).flatMap((member) => {
      const stored = this.store.get<StoredArtifact>(member);
      const { model } = parseMember(member);
      return stored ? [{ model, ref: member, payload: deserializePayload(model, undefined, stored.payload, stored.consumed) }] : [];
    });
  }

  revokeAccountArtifact(accountId: string, ref: string): boolean {
    const key = indexKey('account', accountId);
    if (!this.store.indexMembers(key).includes(ref)) return false;
    const { model, idDigest } = parseMember(ref);
    if (model === 'Grant') revokeIndex(this.store, `grant:${idDigest}`);
    this.store.delete(ref);
    this.store.removeFromIndex(key, [ref]);
    return true;
  }

  close(): void {
    this.store.close();
  }
}
