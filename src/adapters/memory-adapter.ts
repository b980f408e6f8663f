import {
  AlreadyConsumedError,
  CONSUMABLE_MODELS,
  GRANTABLE_MODELS,
  epochSeconds,
  type AdapterPayload,
  type ArtifactAdapter,
} from './models.ts';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The embedded artifact store used when no REDIS_URL is set: one process, kept in memory, expired
 * entries swept periodically. Same semantics as the Redis adapter (the contract suite runs on both).
 */
export class MemoryStore {
  readonly #entries = new Map<string, Entry<unknown>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor() {
    this.#sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  get<T>(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  set(key: string, value: unknown, ttlSeconds: number): void {
    this.#entries.set(key, { value, expiresAt: ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : Infinity });
  }

  expiresAt(key: string): number | undefined {
    return this.#entries.get(key)?.expiresAt;
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }
}

interface StoredArtifact {
  payload: string;
  consumed?: number;
}

export class MemoryAdapter implements ArtifactAdapter {
  readonly #model: string;
  readonly #store: MemoryStore;

  constructor(model: string, store: MemoryStore) {
    this.#model = model;
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = expiresIn && expiresIn > 0 ? Math.ceil(expiresIn) : 0;
    const key = this.#key(id);
    // Stored serialized, as in Redis, so callers can never mutate what is stored.
    this.#store.set(key, { payload: JSON.stringify(payload) } satisfies StoredArtifact, ttl);

    if (GRANTABLE_MODELS.has(this.#model) && payload.grantId) {
      const indexKey = `grant:${payload.grantId}`;
      const members = this.#store.get<Set<string>>(indexKey) ?? new Set<string>();
      members.add(key);
      const current = this.#store.expiresAt(indexKey);
      const wanted = ttl ? Date.now() + ttl * 1000 : Infinity;
      const keepFor = Math.max(current ?? 0, wanted);
      this.#store.set(indexKey, members, Number.isFinite(keepFor) ? Math.ceil((keepFor - Date.now()) / 1000) : 0);
    }
    if (payload.uid && this.#model === 'Session') this.#store.set(`sessionUid:${payload.uid}`, id, ttl);
    if (payload.userCode) this.#store.set(`userCode:${payload.userCode}`, id, ttl);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const stored = this.#store.get<StoredArtifact>(this.#key(id));
    if (!stored) return undefined;
    const payload = JSON.parse(stored.payload) as AdapterPayload;
    return stored.consumed ? { ...payload, consumed: stored.consumed } : payload;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.get<string>(`sessionUid:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.#store.get<string>(`userCode:${userCode}`);
    return id ? this.find(id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const stored = this.#store.get<StoredArtifact>(this.#key(id));
    // Gone between find and consume (revoked or expired meanwhile): not usable either.
    if (!stored) throw new AlreadyConsumedError(this.#model, undefined);
    if (stored.consumed && CONSUMABLE_MODELS.has(this.#model)) {
      const payload = JSON.parse(stored.payload) as AdapterPayload;
      throw new AlreadyConsumedError(this.#model, payload.grantId);
    }
    stored.consumed = epochSeconds();
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const indexKey = `grant:${grantId}`;
    for (const member of this.#store.get<Set<string>>(indexKey) ?? []) this.#store.delete(member);
    this.#store.delete(indexKey);
  }
}
