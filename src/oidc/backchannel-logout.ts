import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ArtifactStore } from '../adapters/artifact-store.ts';
import type { Logger } from '../observability/logger.ts';
import type { LogoutRetry, LogoutRetryQueue } from './logout-retry-queue.ts';

/** After the first attempt (bounded by oidc-provider at 2.5 s), two more, in the background. */
export const BACKCHANNEL_RETRY_DELAYS_MS = [2_000, 10_000] as const;

/** oidc-provider's Client has this method; its type definitions do not list it. */
interface LogoutClient {
  readonly clientId: string;
  readonly backchannelLogoutUri?: string;
  backchannelLogout(accountId: string, sid: string): Promise<void>;
}

export interface LogoutRetries {
  /** A delivery that failed: it is tried again after each of the delays, then given up. */
  failed(clientId: string, accountId: string, sid: string, error: unknown): void;
  /** Stops taking due retries, once the round in progress is done (those waiting stay queued for the other instances). */
  stop(): Promise<void>;
}

/**
 * OpenID Connect Back-Channel Logout 1.0: oidc-provider posts a logout token to every client of the
 * ended session that has a `backchannel_logout_uri`, once. A failed delivery waits in a queue shared
 * by every instance and is tried again later by whichever takes it (a new logout token each time, as
 * the spec allows), without holding up the person's sign-out; every outcome is logged and the last
 * failure audited. Each instance looks for due retries every `intervalMs`.
 */
export function startLogoutRetries({
  queue,
  currentProvider,
  logger,
  audit,
  delays = BACKCHANNEL_RETRY_DELAYS_MS,
  intervalMs = 500,
}: {
  queue: LogoutRetryQueue;
  currentProvider: () => Provider | undefined;
  logger: Logger;
  audit?: Pick<AuditLog, 'recordInBackground'> | undefined;
  delays?: readonly number[];
  intervalMs?: number;
}): LogoutRetries {
  const log = logger.child({ component: 'backchannel-logout' });
  const schedule = (retry: LogoutRetry, error: unknown): void => {
    const wait = delays[retry.failures - 1];
    if (wait === undefined) {
      log.warn({ clientId: retry.clientId, attempts: retry.failures }, 'back-channel logout not delivered');
      audit?.recordInBackground({ actor: 'system', action: 'backchannel_logout.failed', target: retry.clientId, outcome: 'failure', detail: { accountId: retry.accountId, attempts: retry.failures } });
      return;
    }
    log.info({ clientId: retry.clientId, attempt: retry.failures, reason: (error as Error | undefined)?.message }, 'back-channel logout failed, trying again later');
    queue.schedule(retry, Date.now() + wait).catch((queueError: unknown) => log.warn({ err: queueError, clientId: retry.clientId }, 'back-channel logout retry could not be queued'));
  };
  const deliver = async (retry: LogoutRetry): Promise<void> => {
    const client = (await currentProvider()?.Client.find(retry.clientId)) as unknown as LogoutClient | undefined;
    if (!client?.backchannelLogoutUri) return;
    await client.backchannelLogout(retry.accountId, retry.sid).then(
      () => log.info({ clientId: retry.clientId, attempt: retry.failures + 1 }, 'back-channel logout delivered on a retry'),
      (error: unknown) => schedule({ ...retry, failures: retry.failures + 1 }, error),
    );
  };
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = queue
      .takeDue(Date.now(), 20)
      .then((due) => Promise.all(due.map((retry) => deliver(retry).catch((error: unknown) => log.warn({ err: error, clientId: retry.clientId }, 'back-channel logout retry failed to run')))))
      .catch((error: unknown) => log.debug({ err: error }, 'back-channel logout retries not read'))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    failed: (clientId, accountId, sid, error) => schedule({ clientId, accountId, sid, failures: 1 }, error),
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Sends the deliveries oidc-provider reports failed (at `/session/end`) to the retries. */
export function retryBackchannelLogout(provider: Provider, retries: Pick<LogoutRetries, 'failed'>): void {
  provider.on('backchannel.error', (_ctx, error, client, accountId, sid) => retries.failed((client as unknown as LogoutClient).clientId, accountId, sid, error));
}

/** Sends the logout tokens for sessions that ended: `sessions` are their stored payloads, read before they ended. */
export type SessionLogout = (accountId: string, sessions: readonly Record<string, unknown>[]) => void;

/**
 * Each client a session signed in to that has a `backchannel_logout_uri` gets a logout token for
 * that session's `sid`, in the background; a failed delivery goes to the retries.
 */
export function sessionLogout(currentProvider: () => Provider | undefined, logger: Logger, retries: Pick<LogoutRetries, 'failed'>): SessionLogout {
  return (accountId, sessions) => {
    const provider = currentProvider();
    if (!provider) return;
    for (const { clientId, sid } of sessions.flatMap(sessionClients)) {
      void provider.Client.find(clientId).then(
        (client) => {
          const target = client as unknown as LogoutClient | undefined;
          if (!target?.backchannelLogoutUri) return;
          target.backchannelLogout(accountId, sid).catch((error: unknown) => retries.failed(clientId, accountId, sid, error));
        },
        (error: unknown) => logger.warn({ err: error, clientId }, 'back-channel logout: client not loaded'),
      );
    }
  };
}

interface SessionRevoker {
  revokeAccount(accountId: string): Promise<void>;
  revokeAccountGrants(accountId: string): Promise<void>;
}

/**
 * Sessions also end without `/session/end`: a password change or reset, a disabled account, "sign
 * out everywhere". Before the store ends them, the sessions are read, and the clients they signed
 * in to get their logout tokens afterwards.
 */
export function endingSessionsWithLogout(revoker: SessionRevoker & Pick<ArtifactStore, 'listAccountArtifacts'>, logout: SessionLogout): SessionRevoker {
  return {
    revokeAccountGrants: (accountId) => revoker.revokeAccountGrants(accountId),
    async revokeAccount(accountId) {
      const sessions = await revoker.listAccountArtifacts(accountId).then(
        (artifacts) => artifacts.filter((artifact) => artifact.model === 'Session').map((session) => session.payload),
        () => [],
      );
      await revoker.revokeAccount(accountId);
      logout(accountId, sessions);
    },
  };
}

/** `{clientId, sid}` of every client a stored session signed in to. */
function sessionClients(payload: Record<string, unknown>): { clientId: string; sid: string }[] {
  const authorizations = payload.authorizations;
  if (typeof authorizations !== 'object' || authorizations === null) return [];
  return Object.entries(authorizations as Record<string, { sid?: unknown }>).flatMap(([clientId, entry]) => (typeof entry?.sid === 'string' ? [{ clientId, sid: entry.sid }] : []));
}
