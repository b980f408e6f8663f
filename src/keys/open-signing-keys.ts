import type Provider from 'oidc-provider';
import type { ChangeFeed } from '../cache/change-feed.ts';
import type { Config } from '../config/config.ts';
import type { KeySealer } from '../crypto/key-sealer.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import type { ResourceRegistry } from '../resources/resource-registry.ts';
import { KeySetWatcher } from './key-set-watcher.ts';
import type { PrivateJwk } from './key-material.ts';
import { ProviderHandle } from './provider-handle.ts';
import { SigningKeyRepository } from './signing-key-repository.ts';
import { SigningKeyService } from './signing-key-service.ts';
import { longestSignedTokenLifetime } from './token-lifetime.ts';

export interface SigningKeyDependencies {
  readonly config: Pick<Config, 'ttl' | 'admin' | 'signingKeyRotationDays'>;
  readonly db: Pick<Database, 'prisma' | 'sql'>;
  readonly sealer: KeySealer | undefined;
  readonly changes: ChangeFeed;
  readonly resources: Pick<ResourceRegistry, 'list'>;
  readonly logger: Logger;
  /** Milliseconds since the epoch (tests). */
  readonly now?: () => number;
  readonly pollIntervalMs?: number;
}

export interface SigningKeys {
  readonly service: SigningKeyService;
  readonly provider: ProviderHandle;
  close(): Promise<void>;
}

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Prepares the key set (under the database's exclusive lock, so instances starting together agree
 * on it), builds the first provider with it, and keeps this instance on the published key set.
 */
export async function openSigningKeys(
  deps: SigningKeyDependencies,
  buildProvider: (keys: readonly PrivateJwk[]) => Provider,
): Promise<SigningKeys> {
  const service = new SigningKeyService({
    repository: new SigningKeyRepository(deps.db.prisma, deps.sealer),
    withExclusiveLock: (work) => deps.db.sql.withExclusiveLock(() => work()),
    changes: deps.changes,
    policy: {
      rotateAfterSeconds: deps.config.signingKeyRotationDays === undefined ? undefined : deps.config.signingKeyRotationDays * DAY_SECONDS,
    },
    longestTokenLifetime: () => longestSignedTokenLifetime(deps.config, deps.resources),
    afterChange: (): Promise<void> => watcher.refresh(),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const provider = new ProviderHandle(buildProvider, await service.prepare());
  const watcher = new KeySetWatcher(service, provider, {
    logger: deps.logger.child({ component: 'signing-keys' }),
    ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
  });
  watcher.start(deps.changes);
  return {
    service,
    provider,
    close: () => watcher.stop(),
  };
}
