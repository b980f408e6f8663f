import type { LoginOutcome, Metrics } from '../observability/metrics.ts';
import type { AuditLog } from './audit-log.ts';

export interface LoginEvent {
  readonly outcome: LoginOutcome;
  readonly address: string;
  readonly clientId: string | undefined;
  /** Set on success. */
  readonly accountId?: string | undefined;
  /** The address typed, on failure (never the password). */
  readonly email?: string | undefined;
  /** Why a sign-in was refused before the password was checked. */
  readonly reason?: string | undefined;
  /** How the person signed in when it was not with a password (`passkey`). */
  readonly method?: string | undefined;
}

/** Security events that several features emit: counted in metrics and written to the audit trail. */
export interface SecurityEvents {
  login(event: LoginEvent): void;
}

const ACTION: Record<LoginOutcome, string> = { success: 'login.succeeded', failure: 'login.failed', throttled: 'login.locked_out', busy: 'login.busy' };

export function createSecurityEvents(audit: AuditLog, metrics: Metrics): SecurityEvents {
  return {
    login(event) {
      metrics.login(event.outcome);
      audit.recordInBackground({
        actor: event.accountId ? `user:${event.accountId}` : 'anonymous',
        action: ACTION[event.outcome],
        target: event.accountId ?? event.email?.trim().toLowerCase().slice(0, 320),
        address: event.address,
        outcome: event.outcome === 'success' ? 'success' : 'failure',
        detail: { client_id: event.clientId, reason: event.reason, method: event.method },
      });
    },
  };
}

/** For tests and tools that need no events. */
export const NO_SECURITY_EVENTS: SecurityEvents = { login: () => undefined };
