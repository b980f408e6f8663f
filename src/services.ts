import { join } from 'node:path';
import type Provider from 'oidc-provider';
import { AccountRepository, type Account } from './accounts/account-repository.ts';
import { AccountService } from './accounts/account-service.ts';
import { createMailer } from './mail/mailer.ts';
import { AccountTokens } from './self-service/account-tokens.ts';
import { createSelfServiceLimits } from './self-service/self-service-limits.ts';
import type { SelfService } from './self-service/self-service.ts';
import { PasswordPolicy } from './accounts/password-policy.ts';
import { PasswordHasher } from './accounts/password-hasher.ts';
import { ClientAdapter } from './adapters/client-adapter.ts';
import { accountClientRecord } from './account/account-client.ts';
import { recordSessionBrowsers } from './account/session-browsers.ts';
import { openArtifactStore, type ArtifactStore } from './adapters/artifact-store.ts';
import { ClientRegistry, type ClientRecord } from './clients/client-registry.ts';
import { providerClientValidator } from './clients/provider-validator.ts';
import type { Config } from './config/config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { acquireEmbeddedLock, type EmbeddedLock } from './db/embedded-lock.ts';
import { applyMigrations, readMigrations } from './db/migrate.ts';
import { createViews, pageStringFolders, VIEWS_DIR, type Views } from './pages/views.ts';
import type { Logger } from './observability/logger.ts';
import { createKeySealer } from './crypto/key-sealer.ts';
import { resolveCookieKeys } from './oidc/cookie-keys.ts';
import { resolvePairwiseSalt } from './oidc/pairwise-subjects.ts';
import { endingSessionsWithLogout, retryBackchannelLogout, sessionLogout, startLogoutRetries, type SessionLogout } from './oidc/backchannel-logout.ts';
import { createLogoutRetryQueue } from './oidc/logout-retry-queue.ts';
import { createProvider } from './oidc/provider.ts';
import { openSigningKeys } from './keys/open-signing-keys.ts';
import type { ProviderHandle } from './keys/provider-handle.ts';
import type { SigningKeyService } from './keys/signing-key-service.ts';
import { ResourceRegistry, type Resource } from './resources/resource-registry.ts';
import { createLocalChangeFeed, createRedisChangeFeed } from './cache/change-feed.ts';
import { LookupCache } from './cache/lookup-cache.ts';
import { AuditLog } from './audit/audit-log.ts';
import { createSecurityEvents, type SecurityEvents } from './audit/security-events.ts';
import { clientOperations, type ClientOperations } from './management/client-operations.ts';
import { keyOperations, type KeyOperations } from './management/key-operations.ts';
import { registrationOperations, type RegistrationOperations } from './management/registration-operations.ts';
import { auditProviderEvents } from './audit/provider-events.ts';
import { auditDeviceFlowEvents } from './audit/device-flow-audit.ts';
import { resourceOperations, type ResourceOperations } from './management/resource-operations.ts';
import { userOperations, type UserOperations } from './management/user-operations.ts';
import { metadataDocumentClientOperations, type MetadataDocumentClientOperations } from './management/metadata-document-client-operations.ts';
import { openMetadataDocuments } from './cimd/metadata-document-support.ts';
import { caTrustingAgents, trustedCertificates } from './oidc/outbound-agents.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { countIssuedTokens } from './observability/provider-metrics.ts';
import { productManifest } from './version.ts';
import { createCodeThrottle } from './mfa/code-throttle.ts';
import { TotpRepository } from './mfa/totp-repository.ts';
import { TotpService } from './mfa/totp-service.ts';
import { PasskeyChallenges } from './passkeys/passkey-challenges.ts';
import { PasskeyRepository } from './passkeys/passkey-repository.ts';
import { PasskeyService } from './passkeys/passkey-service.ts';
import { createPasskeyThrottle } from './passkeys/passkey-throttle.ts';
import { relyingPartyOf } from './passkeys/relying-party.ts';

export interface Management {
  readonly clients: ClientOperations;
  readonly users: UserOperations;
  readonly resources: ResourceOperations;
  readonly keys: KeyOperations;
  readonly registration: RegistrationOperations;
  /** Clients by client ID metadata document: which were used, and blocking one. */
  readonly metadataDocumentClients: MetadataDocumentClientOperations;
}

/** Everything the server and the CLI share, opened once and closed together. */
export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Database;
  readonly store: ArtifactStore;
  readonly accounts: AccountService;
  readonly clients: ClientRegistry;
  readonly resources: ResourceRegistry;
  /** The provider serving now: a new instance replaces it when the signing keys change. */
  readonly provider: Provider;
  readonly providerHandle: ProviderHandle;
  readonly signingKeys: SigningKeyService;
  readonly views: Views;
  readonly cookieKeys: readonly string[];
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  /** What the CLI and the admin API do, audited: one service layer for both. */
  readonly management: Management;
  readonly securityEvents: SecurityEvents;
  /** Sign-up, email verification and the links mailed for them. */
  readonly selfService: SelfService;
  /** Two-step verification with an authenticator app (TOTP) and recovery codes. */
  readonly totp: TotpService;
  /** Passkeys (WebAuthn): added from the account page, signed in with from the login page. */
  readonly passkeys: PasskeyService;
  /** Logout tokens for sessions ended outside oidc-provider (the account page signing out a browser). */
  readonly sessionLogout: SessionLogout;
  readonly version: string;
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
    const [cookieKeys, pairwiseSalt] = await db.sql.withExclusiveLock(async () => [await resolveCookieKeys(db.prisma, config.cookieKeys, sealer), await resolvePairwiseSalt(db.prisma, sealer)] as const);

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
    changes.onChange(({ kind, id }) => {
      if (kind !== 'keys') caches[kind].invalidate(id);
    });
    changes.onReset(() => Object.values(caches).forEach((cache) => cache.clear()));

    const accountRepository = new AccountRepository(db.prisma, { cache: accountCache, changes });
    // Called only after the provider and the audit log below exist.
    const logoutRetries = startLogoutRetries({
      queue: createLogoutRetryQueue({ redis: store.redis, keyPrefix: store.keyPrefix }),
      currentProvider: () => keys.provider.current,
      logger,
      audit: { recordInBackground: (event) => audit.recordInBackground(event) },
    });
    closers.push(() => logoutRetries.stop());
    const logoutSessions = sessionLogout(() => keys.provider.current, logger, logoutRetries);
    const endingSessions = endingSessionsWithLogout(store, logoutSessions);
    const accounts = new AccountService(
      accountRepository,
      new PasswordHasher(config.argon2, config.passwordHashQueue),
      endingSessions,
      new PasswordPolicy(config.passwordPolicy),
    );
    const resources = new ResourceRegistry(db.prisma, { cache: resourceCache, changes, reserved: [config.admin.resource] });
    const views = createViews(VIEWS_DIR, {
      overrideDir: config.viewsOverrideDir,
      brand: config.branding,
      defaultLanguage: config.defaultLanguage,
    });
    const clients = new ClientRegistry(db.prisma, {
      // The provider is built below with this registry as its client source; validation runs later.
      validator: () => providerClientValidator(keys.provider.current),
      cache: clientCache,
      changes,
      revoker: store,
      production: config.env === 'production',
      adminResource: config.admin.resource,
      builtIn: [accountClientRecord(config.issuer)],
    });
    const clientAdapter = new ClientAdapter(clients);
    // A new provider is built with every new key set (src/keys/provider-handle.ts).
    const metrics = await createMetrics();
    const audit = new AuditLog(db.prisma, logger, { retentionDays: config.auditRetentionDays });
    const outboundCa = config.outboundCa?.certificates;
    const outboundAgents = outboundCa ? caTrustingAgents(outboundCa) : undefined;
    if (outboundCa && !outboundAgents) logger.warn('OUTBOUND_CA_FILE: the pools of Node\'s fetch cannot be reached here, so only client ID metadata documents trust it');
    const metadataDocuments = openMetadataDocuments({
      settings: config.clientIdMetadataDocuments,
      trusted: outboundCa ? trustedCertificates(outboundCa) : undefined,
      redis: store.redis,
      keyPrefix: store.keyPrefix,
      prisma: db.prisma,
      changes,
      cacheTtlSeconds: ttlSeconds,
      audit,
      logger,
    });
    const keys = await openSigningKeys({ config, db, sealer, changes, resources, logger }, (signingKeys) => {
      const provider = createProvider({
        config,
        store,
        clients: clientAdapter,
        clientRegistry: clients,
        accounts: accountRepository,
        resources,
        signingKeys,
        cookieKeys,
        pairwiseSalt,
        views,
        logger,
        outboundAgents,
        metadataDocuments: metadataDocuments.support,
      });
      countIssuedTokens(provider, metrics);
      auditProviderEvents(provider, audit);
      auditDeviceFlowEvents(provider, audit);
      retryBackchannelLogout(provider, logoutRetries);
      recordSessionBrowsers(provider, store, config.ttl.session, logger);
      return provider;
    });
    closers.push(() => keys.close());

    const mailer = createMailer({
      ...config.mail,
      overrideDir: config.viewsOverrideDir ? join(config.viewsOverrideDir, 'mail') : undefined,
      stringsDirs: pageStringFolders(VIEWS_DIR, config.viewsOverrideDir),
      defaultLanguage: config.defaultLanguage,
      productName: config.branding.productName,
      issuer: config.issuer,
      logger,
      audit,
    });
    closers.push(() => mailer.close());
    const { rates, ...switches } = config.selfService;
    const selfService: SelfService = {
      issuer: config.issuer,
      ...switches,
      accounts,
      tokens: new AccountTokens(db.prisma),
      mailer,
      limits: createSelfServiceLimits({ redis: store.redis, keyPrefix: store.keyPrefix, rates }),
      audit,
      secureCookies: config.issuerIsHttps,
    };

    const totpRepository = new TotpRepository(db.prisma, sealer);
    const passkeyRepository = new PasskeyRepository(db.prisma);
    const totp = new TotpService({
      repository: totpRepository,
      throttle: createCodeThrottle({ ...config.loginThrottle, redis: store.redis, keyPrefix: store.keyPrefix }),
      audit,
      productName: config.branding.productName,
    });

    const management = {
      clients: clientOperations(clients, audit),
      users: userOperations(accounts, audit, {
        removeTotp: (id) => totpRepository.remove(id),
        removePasskeys: (id) => passkeyRepository.removeAll(id),
      }),
      resources: resourceOperations(resources, audit),
      keys: keyOperations(keys.service, audit),
      registration: registrationOperations(() => keys.provider.current, audit, { mode: config.registration.mode }),
      metadataDocumentClients: metadataDocumentClientOperations(metadataDocuments.clients, audit, { revoker: store, documents: metadataDocuments.documents }),
    };

    const passkeys = new PasskeyService({
      repository: passkeyRepository,
      challenges: new PasskeyChallenges(store.adapterFor('PasskeyChallenge')),
      relyingParty: relyingPartyOf(config.issuer),
      audit,
      // Failed passkey sign-ins count per address like failed passwords, in counters of their own.
      throttle: createPasskeyThrottle({
        redis: store.redis,
        keyPrefix: store.keyPrefix,
        maxFailuresPerAddress: config.loginThrottle.maxFailuresPerAddress,
        windowSeconds: config.loginThrottle.addressWindowSeconds,
      }),
    });

    return {
      ...{ config, logger, db, store, accounts, clients, resources, views, cookieKeys, close },
      get provider() {
        return keys.provider.current;
      },
      providerHandle: keys.provider,
      signingKeys: keys.service,
      audit,
      metrics,
      management,
      securityEvents: createSecurityEvents(audit, metrics),
      selfService,
      totp,
      passkeys,
      sessionLogout: logoutSessions,
      version: (await productManifest()).version,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
