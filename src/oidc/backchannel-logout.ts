import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { Logger } from '../observability/logger.ts';

/** After the first attempt (bounded by oidc-provider at 2.5 s), two more, in the background. */
export const BACKCHANNEL_RETRY_DELAYS_MS = [2_000, 10_000] as const;

/** oidc-provider's Client has this method; its type definitions do not list it. */
interface LogoutClient {
  readonly clientId: string;
  backchannelLogout(accountId: string, sid: string): Promise<void>;
}

/**
 * OpenID Connect Back-Channel Logout 1.0: oidc-provider posts a logout token to every client of the
 * ended session that has a `backchannel_logout_uri`, once. A failed delivery is tried again later
 * (a new logout token each time, as the spec allows), without holding up the person's sign-out;
 * every outcome is logged and the last failure audited.
 */
export function retryBackchannelLogout(provider: Provider, logger: Logger, audit: Pick<AuditLog, 'recordInBackground'> | undefined, delays: readonly number[] = BACKCHANNEL_RETRY_DELAYS_MS): void {
  const failed = retryingDelivery(logger, audit, delays);
  provider.on('backchannel.error', (_ctx, error, client, accountId, sid) => failed(client as unknown as LogoutClient, accountId, sid, error));
}

/**
 * What to call when a delivery failed: it is logged, tried again after each of `delays`, and then
 * given up, logged and audited.
 */
function retryingDelivery(logger: Logger, audit: Pick<AuditLog, 'recordInBackground'> | undefined, delays: readonly number[]) {
  const log = logger.child({ component: 'backchannel-logout' });
  const attempt = (client: LogoutClient, accountId: string, sid: string, retry: number): void => {
    const wait = delays[retry];
    if (wait === undefined) {
      log.warn({ clientId: client.clientId, attempts: retry + 1 }, 'back-channel logout not delivered');
      audit?.recordInBackground({ actor: 'system', action: 'backchannel_logout.failed', target: client.clientId, outcome: 'failure', detail: { accountId, attempts: retry + 1 } });
      return;
    }
    setTimeout(() => {
      client.backchannelLogout(accountId, sid).then(
        () => log.info({ clientId: client.clientId, attempt: retry + 2 }, 'back-channel logout delivered on a retry'),
        (error: unknown) => failedAttempt(client, accountId, sid, error, retry + 1),
      );
    }, wait).unref();
  };
  const failedAttempt = (client: LogoutClient, accountId: string, sid: string, error: unknown, retry: number): void => {
    log.info({ clientId: client.clientId, attempt: retry + 1, reason: (error as Error).message }, 'back-channel logout failed, trying again later');
    attempt(client, accountId, sid, retry);
  };
  return (client: LogoutClient, accountId: string, sid: string, error: unknown): void => failedAttempt(client, accountId, sid, error, 0);
}

interface SessionRevoker {
  revokeAccount(accountId: string): Promise<void>;
  revokeAccountGrants(accountId: string): Promise<void>;
}

/**
 * Sessions also end without `/session/end`: a password change or reset, a disabled account, "sign
 * out everywhere". Before the store ends them, the clients each session signed in to are noted,
 * and those with a `backchannel_logout_uri` get a logout token afterwards, in the background and
 * with the same retries.
 */
export function endingSessionsWithLogout(
  revoker: SessionRevoker & Pick<ArtifactStore, 'listAccountArtifacts'>,
  currentProvider: () => Provider | undefined,
  logger: Logger,
  audit?: Pick<AuditLog, 'recordInBackground'>,
  delays: readonly number[] = BACKCHANNEL_RETRY_DELAYS_MS,
): SessionRevoker {
  const failed = retryingDelivery(logger, audit, delays);
  return {
    revokeAccountGrants: (accountId) => revoker.revokeAccountGrants(accountId),
    async revokeAccount(accountId) {
      const signedIn = await revoker.listAccountArtifacts(accountId).then(
        (artifacts) => artifacts.filter((artifact) => artifact.model === 'Session').flatMap((session) => sessionClients(session.payload)),
        () => [],
      );
      await revoker.revokeAccount(accountId);
      const provider = currentProvider();
      if (!provider) return;
      for (const { clientId, sid } of signedIn) {
        void provider.Client.find(clientId).then(
          (client) => {
            const target = client as unknown as (LogoutClient & { backchannelLogoutUri?: string }) | undefined;
            if (!target?.backchannelLogoutUri) return;
            target.backchannelLogout(accountId, sid).catch((error: unknown) => failed(target, accountId, sid, error));
          },
          (error: unknown) => logger.warn({ err: error, clientId }, 'back-channel logout: client not loaded'),
        );
      }
    },
  };
}

/** `{clientId, sid}` of every client a stored session signed in to. */
function sessionClients(payload: Record<string, unknown>): { clientId: string; sid: string }[] {
  const authorizations = payload.authorizations;
  if (typeof authorizations !== 'object' || authorizations === null) return [];
  return Object.entries(authorizations as Record<string, { sid?: unknown }>).flatMap(([clientId, entry]) => (typeof entry?.sid === 'string' ? [{ clientId, sid: entry.sid }] : []));
}
