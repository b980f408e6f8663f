import type { Logger } from '../observability/logger.ts';
import { createRedisConnection, type RedisConnection } from '../redis/connection.ts';
import { MemoryArtifacts } from './memory-adapter.ts';
import type { AdapterPayload, ArtifactAdapter } from './models.ts';
import { RedisArtifacts } from './redis-adapter.ts';

/** Where oidc-provider's short-lived artifacts live: Redis, or the embedded in-process store. */
export interface ArtifactStore {
  readonly kind: 'redis' | 'embedded';
  readonly keyPrefix: string;
  /** The Redis connection, for features that share it (rate limiting); undefined when embedded. */
  readonly redis: RedisConnection | undefined;
  adapterFor(model: string): ArtifactAdapter;
  /** Destroys every Session and Grant of the account, and every token and code of those grants. */
  revokeAccount(accountId: string): Promise<void>;
  /** Destroys every Grant of the account with its tokens and codes; its sessions stay signed in. */
  revokeAccountGrants(accountId: string): Promise<void>;
  /** What the account's index lists now (its sessions, grants and the like), each with its stored payload. */
  listAccountArtifacts(accountId: string): Promise<AccountArtifact[]>;
  /** Destroys one artifact the account's index lists (a Grant with its tokens and codes); false when it lists no such one. */
  revokeAccountArtifact(accountId: string, ref: string): Promise<boolean>;
  /**
   * Destroys every Grant of the client with its tokens and codes, and every stored artifact of the
   * client without a grant (client credentials tokens, pushed requests, interactions, device codes).
   * JWT access tokens are not stored, so they stay valid where verified locally until they expire.
   */
  revokeClient(clientId: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One artifact of an account: `ref` names it without its id (model and digest), for revoking it later. */
export interface AccountArtifact {
  readonly model: string;
  readonly ref: string;
  readonly payload: AdapterPayload;
}

export type ArtifactStoreOptions =
  | { url: string; cluster: boolean; keyPrefix: string }
  | { embedded: true; keyPrefix: string };


export function openArtifactStore(options: ArtifactStoreOptions, logger: Logger): ArtifactStore {
  if ('url' in options) {
    const redis = createRedisConnection(options.url, options.cluster, logger);
    const artifacts = new RedisArtifacts(redis, options.keyPrefix);
    return {
      kind: 'redis',
      keyPrefix: options.keyPrefix,
      redis,
      adapterFor: (model) => artifacts.adapterFor(model),
      revokeAccount: (accountId) => artifacts.revokeAccount(accountId),
      revokeAccountGrants: (accountId) => artifacts.revokeAccountGrants(accountId),
      listAccountArtifacts: (accountId) => artifacts.listAccountArtifacts(accountId),
      revokeAccountArtifact: (accountId, ref) => artifacts.revokeAccountArtifact(accountId, ref),
      revokeClient: (clientId) => artifacts.revokeClient(clientId),
      async ping() {
        const answer = await redis.ping();
        if (answer !== 'PONG') throw new Error('unexpected PING answer');
      },
      async close() {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }

  logger.warn('REDIS_URL is not set: sessions and tokens live in this process only (single instance, lost on restart)');
  return embeddedStore(new MemoryArtifacts(), options.keyPrefix);
}

/** The embedded store over in-process artifacts (tests give it a store with their own clock). */
export function embeddedStore(artifacts: MemoryArtifacts, keyPrefix: string): ArtifactStore {
  return {
    kind: 'embedded',
    keyPrefix,
    redis: undefined,
    adapterFor: (model) => artifacts.adapterFor(model),
    revokeAccount: (accountId) => artifacts.revokeAccount(accountId),
    revokeAccountGrants: (accountId) => artifacts.revokeAccountGrants(accountId),
    listAccountArtifacts: async (accountId) => artifacts.listAccountArtifacts(accountId),
    revokeAccountArtifact: async (accountId, ref) => artifacts.revokeAccountArtifact(accountId, ref),
    revokeClient: (clientId) => artifacts.revokeClient(clientId),
    async ping() {},
    async close() {
      artifacts.close();
    },
  };
}
