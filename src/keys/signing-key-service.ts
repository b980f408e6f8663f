import type { JWK } from 'jose';
import type { ChangeFeed } from '../cache/change-feed.ts';
import { generateSigningKey, publicJwkOf, type PrivateJwk, type SigningAlgorithm } from './key-material.ts';
import { expiredSteps, maintenanceSteps, rotationSteps, type KeyStep, type RotationPolicy } from './key-lifecycle.ts';
import { fingerprintOf, inPublishingOrder, publishedAt, type KeyState, type KeyStatus, type StoredKey } from './key-states.ts';
import type { KeyWrite, SigningKeyRepository } from './signing-key-repository.ts';
import { RETIREMENT_MARGIN_SECONDS } from './token-lifetime.ts';

/** A signing key as the admin API and the CLI show it: public parts only, times in ISO 8601. */
export interface SigningKeyView {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: KeyStatus;
  readonly created_at: string;
  readonly activated_at: string | null;
  readonly retired_at: string | null;
  /** When a retired key leaves jwks_uri; null for current and next keys. */
  readonly published_until: string | null;
  readonly public_jwk: JWK;
}

export interface RotationResult {
  /** The keys that sign from now on, one per algorithm. */
  readonly activated: readonly SigningKeyView[];
  /** The keys they replace, still published until their `published_until`. */
  readonly retired: readonly SigningKeyView[];
}

/** What the provider is built with: its `jwks.keys`, in order, and their fingerprint (key-states.ts). */
export interface PublishedKeySet {
  readonly keys: readonly PrivateJwk[];
  readonly fingerprint: string;
}

export interface SigningKeyServiceOptions {
  readonly repository: SigningKeyRepository;
  /** Excludes every other instance while the key set changes (db.sql.withExclusiveLock). */
  readonly withExclusiveLock: <T>(work: () => Promise<T>) => Promise<T>;
  readonly changes: Pick<ChangeFeed, 'publish'>;
  readonly policy: RotationPolicy;
  /** Seconds a token signed now may stay valid (token-lifetime.ts). */
  readonly longestTokenLifetime: () => Promise<number>;
  /** Loads the changed key set into this instance before `rotate`/`prune` return (the watcher's refresh). */
  readonly afterChange?: () => Promise<void>;
  /** Milliseconds since the epoch (tests move time instead of waiting). */
  readonly now?: () => number;
}

const KEYS_CHANGED = { kind: 'keys', id: 'signing-keys' } as const;

const iso = (date: Date | null): string | null => date?.toISOString() ?? null;

const viewOf = (key: StoredKey): SigningKeyView => ({
  kid: key.kid,
  alg: key.alg,
  status: key.status,
  created_at: key.createdAt.toISOString(),
  activated_at: iso(key.activatedAt),
  retired_at: iso(key.retiredAt),
  published_until: iso(key.publishedUntil),
  public_jwk: publicJwkOf(key.jwk),
});

/**
 * The signing keys' lifecycle (key-lifecycle.ts), shared by every instance through PostgreSQL.
 * Every change happens under the database's exclusive lock, after re-reading the key set, so two
 * instances never both rotate; then every instance is told to reload (key-set-watcher.ts).
 */
export class SigningKeyService {
  readonly #options: SigningKeyServiceOptions;
  readonly #now: () => number;
  // The embedded database's lock excludes other processes only; this excludes our own callers.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: SigningKeyServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => Date.now());
  }

  /** Every stored key: current first, then next, then retired (newest first). */
  async list(): Promise<SigningKeyView[]> {
    return inPublishingOrder(await this.#options.repository.keys()).map(viewOf);
  }

  /**
   * Makes a key that never signed current for every algorithm (the published next key when there
   * is one, else a new key) and retires the previous one: it stays in jwks_uri until every token
   * it signed has expired. Every instance signs with the new keys within seconds.
   */
  async rotate(): Promise<RotationResult> {
    const writes = await this.#change((states) => rotationSteps(states), { reloadHere: true });
    const activated = writes.flatMap((write) =>
      write.op === 'activate' ? [write.kid] : write.op === 'insert' && write.status === 'current' ? [write.key.kid] : [],
    );
    const retired = writes.flatMap((write) => (write.op === 'retire' ? [write.kid] : []));
    const views = await this.list();
    return { activated: views.filter((view) => activated.includes(view.kid)), retired: views.filter((view) => retired.includes(view.kid)) };
  }

  /** Deletes the retired keys whose tokens have all expired (they leave jwks_uri); returns their kids. */
  async prune(): Promise<string[]> {
    const writes = await this.#change((states, now) => expiredSteps(states, now), { reloadHere: true });
    return writes.flatMap((write) => (write.op === 'delete' ? [write.kid] : []));
  }

  /**
   * At start: seals keys stored in the clear (KEY_ENCRYPTION_KEY newly set), makes sure every
   * algorithm has a current key, applies due automatic steps, and returns what to publish.
   */
  async prepare(): Promise<PublishedKeySet> {
    await this.#change(async (states, now) => {
      await this.#options.repository.sealUnsealed();
      return maintenanceSteps(states, now, this.#options.policy);
    });
    return this.publishedKeySet();
  }

  /** Applies the automatic steps that are due (rotation, pruning); true when the key set changed. */
  async maintain(): Promise<boolean> {
    return (await this.#change((states, now) => maintenanceSteps(states, now, this.#options.policy))).length > 0;
  }

  /** Whether `maintain` has anything to do, judged without a lock from polled states. */
  maintenanceDue(states: readonly KeyState[]): boolean {
    return maintenanceSteps(states, this.#now(), this.#options.policy).length > 0;
  }

  states(): Promise<KeyState[]> {
    return this.#options.repository.states();
  }

  publishedFingerprint(states: readonly KeyState[]): string {
    return fingerprintOf(publishedAt(states, this.#now()));
  }

  /** The public keys published at jwks_uri now: what verifiers of our tokens trust. */
  async publishedJwks(): Promise<JWK[]> {
    return publishedAt(await this.#options.repository.keys(), this.#now()).map((key) => publicJwkOf(key.jwk));
  }

  async publishedKeySet(): Promise<PublishedKeySet> {
    const published = publishedAt(await this.#options.repository.keys(), this.#now());
    return { keys: published.map((key) => key.jwk), fingerprint: fingerprintOf(published) };
  }

  async #change(
    plan: (states: KeyState[], now: number) => KeyStep[] | Promise<KeyStep[]>,
    { reloadHere = false } = {},
  ): Promise<KeyWrite[]> {
    const run = this.#queue.then(() =>
      this.#options.withExclusiveLock(async () => {
        const now = this.#now();
        const writes = await this.#writesFor(await plan(await this.#options.repository.states(), now), new Date(now));
        await this.#options.repository.apply(writes);
        return writes;
      }),
    );
    this.#queue = run.catch(() => undefined);
    const writes = await run;
    if (writes.length === 0) return writes;
    // Redis unreachable: the others' poll of the key set finds the change within seconds anyway.
    await this.#options.changes.publish(KEYS_CHANGED).catch(() => undefined);
    if (reloadHere) await this.#options.afterChange?.();
    return writes;
  }

  async #writesFor(steps: readonly KeyStep[], at: Date): Promise<KeyWrite[]> {
    let publishedUntil: Date | undefined;
    const writes: KeyWrite[] = [];
    for (const step of steps) {
      switch (step.kind) {
        case 'retire':
          publishedUntil ??= new Date(at.getTime() + ((await this.#options.longestTokenLifetime()) + RETIREMENT_MARGIN_SECONDS) * 1000);
          writes.push({ op: 'retire', kid: step.kid, at, publishedUntil });
          break;
        case 'activate':
          writes.push(
            step.kid
              ? { op: 'activate', kid: step.kid, at }
              : { op: 'insert', key: await generateSigningKey(step.alg), status: 'current', at },
          );
          break;
        case 'prepare':
          writes.push({ op: 'insert', key: await generateSigningKey(step.alg), status: 'next', at });
          break;
        case 'drop':
          writes.push({ op: 'delete', kid: step.kid });
          break;
      }
    }
    return writes;
  }
}
