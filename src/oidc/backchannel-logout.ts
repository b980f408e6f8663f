import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.ts';
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
  const log = logger.child({ component: 'backchannel-logout' });
  const attempt = (client: LogoutClient, accountId: string, sid: string, retry: number) => {
    const wait = delays[retry];
    if (wait === undefined) {
      log.warn({ clientId: client.clientId, attempts: retry + 1 }, 'back-channel logout not delivered');
      audit?.recordInBackground({ actor: 'system', action: 'backchannel_logout.failed', target: client.clientId, outcome: 'failure', detail: { accountId, attempts: retry + 1 } });
      return;
    }
    setTimeout(() => {
      client.backchannelLogout(accountId, sid).then(
        () => log.info({ clientId: client.clientId, attempt: retry + 2 }, 'back-channel logout delivered on a retry'),
        (error: unknown) => {
          log.info({ clientId: client.clientId, attempt: retry + 2, reason: (error as Error).message }, 'back-channel logout failed, trying again later');
          attempt(client, accountId, sid, retry + 1);
        },
      );
    }, wait).unref();
  };
  provider.on('backchannel.error', (_ctx, error, client, accountId, sid) => {
    log.info({ clientId: client.clientId, reason: error.message }, 'back-channel logout failed, trying again later');
    attempt(client as unknown as LogoutClient, accountId, sid, 0);
  });
}
