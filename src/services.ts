import type Provider from 'oidc-provider';
import { AccountRepository, type Account } from './accounts/account-repository.ts';
import { AccountService } from './accounts/account-service.ts';
import { PasswordHasher } from './accounts/password-hasher.ts';
import { ClientAdapter } from './adapters/client-adapter.ts';
import { openArtifactStore, type ArtifactStore } from './adapters/artifact-store.ts';
import { ClientRegistry, type ClientRecord } from './clients/client-registry.ts';
import { providerClientValidator } from './clients/provider-validator.ts';
import type { Config } from './config/config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { acquireEmbeddedLock, type EmbeddedLock } from './db/embedded-lock.ts';
import { applyMigrations, readMigrations } from './db/migrate.ts';
import { createViews, type Views } from './pages/views.ts';
import type { Logger } from './observability/logger.ts';
import { createKeySealer } from './crypto/key-sealer.ts';
import { resolveCookieKeys } from './oidc/cookie-keys.ts';
import { createProvider } from './oidc/provider.ts';
import { loadOrCreateSigningKeys } from './oidc/signing-keys.ts';
import { ResourceRegistry, type Resource } from './resources/resource-registry.ts';
import { createLocalChangeFeed, createRedisChangeFeed } from './cache/change-feed.ts';
import { LookupCache } from './cache/lookup-cache.ts';

/** Everything the server and the CLI share, opened once and closed together. */
export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly store: ArtifactStore;
  readonly accounts: AccountService;
  readonly clients: ClientRegistry;
  readonly resources: ResourceRegistry;
  readonly provider: Provider;
  readonly views: Views;
  readonly cookieKeys: readonly string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations before anything else (default: the config's MIGRATE_ON_START). */
  readonly migrate?: boolean;
  /** Use an in-memory embedded database instead of DATA_DIR (tests). */
  readonly inMemoryDatabase?: boolean;
}

export async function openServices(config: Config, logger: Logger, options: OpenOptions = {}): Promise<Services> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch((error) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    let lock: EmbeddedLock | undefined;
    if (config.embeddedDatabase && !options.inMemoryDatabase) {
      lock = await acquireEmbeddedLock(config.dataDir);
      closers.push(() => lock!.release());
    }
    const db = await openDatabase(options.inMemoryDatabase ? { inMemory: true } : config.database, logger);
    closers.push(() => db.close());

    if (options.migrate ?? config.migrateOnStart) {
      const applied = await applyMigrations(db.sql, await readMigrations());
      if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
    }

    const sealer = config.keyEncryptionKey ? createKeySealer(config.keyEncryptionKey) : undefined;
    const { signingKeys, cookieKeys } = await db.sql.withExclusiveLock(async () => ({
      signingKeys: await loadOrCreateSigningKeys(db.prisma, sealer),
      cookieKeys: await resolveCookieKeys(db.prisma, config.cookieKeys, sealer),
    }));

    const store = openArtifactStore(config.redis, logger);
    closers.push(() => store.close());

    const changes = store.redis ? await createRedisChangeFeed(store.redis, store.keyPrefix, logger) : createLocalChangeFeed();
    closers.push(() => changes.close());
    // Without Redis, a CLI run against an external PostgreSQL cannot notify this process: keep entries briefly.
    const ttlSeconds = store.redis || db.kind === 'embedded' ? 60 : 5;
    const clientCache = new LookupCache<ClientRecord>({ ttlSeconds });
    const resourceCache = new LookupCache<Resource>({ ttlSeconds });
    const accountCache = new LookupCache<Account>({ ttlSeconds });
    const caches = { client: clientCache, resource: resourceCache, account: accountCache };
    changes.onChange(({ kind, id }) => caches[kind].invalidate(id));
    changes.onReset(() => Object.values(caches).forEach((cache) => cache.clear()));

    const accountRepository = new AccountRepository(db.prisma, { cache: accountCache, changes });
    const accounts = new AccountService(accountRepository, new PasswordHasher(config.argon2, config.passwordHashQueue), store);
    const resources = new ResourceRegistry(db.prisma, { cache: resourceCache, changes });
    const views = createViews();
    const clients = new ClientRegistry(db.prisma, {
      // The provider is built below with this registry as its client source; validation runs later.
      validator: () => providerClientValidator(provider),
      cache: clientCache,
      changes,
      revoker: store,
      production: config.env === 'production',
    });
    const provider = createProvider({
      config,
      store,
      clients: new ClientAdapter(clients),
      clientRegistry: clients,
      accounts: accountRepository,
      resources,
      signingKeys,
      cookieKeys,
      views,
      logger,
    });

    return { config, logger, db, store, accounts, clients, resources, provider, views, cookieKeys, close };
  } catch (error) {
    await close();
    throw error;
  }
}
