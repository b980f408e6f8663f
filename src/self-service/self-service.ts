import type { AccountService } from '../accounts/account-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Mailer, OutgoingMail } from '../mail/mailer.ts';
import type { Logger } from '../observability/logger.ts';
import type { AccountTokens } from './account-tokens.ts';
import type { SelfServiceLimits } from './self-service-limits.ts';

/** What the self-service steps share: switches, the links' store, mail, limits and the audit trail. */
export interface SelfService {
  readonly issuer: string;
  readonly signup: boolean;
  readonly passwordReset: boolean;
  readonly requireVerifiedEmail: boolean;
  readonly accounts: AccountService;
  readonly tokens: AccountTokens;
  readonly mailer: Mailer;
  readonly limits: SelfServiceLimits;
  readonly audit: Pick<AuditLog, 'recordInBackground'>;
  /** Whether the browser that signed up keeps the sign-in it started (signed cookies). */
  readonly secureCookies: boolean;
}

export const VERIFICATION_TTL_SECONDS = 24 * 3600;
/** How long after its link is opened a sign-up's own sign-in may continue without the password again. */
export const RESUME_WINDOW_SECONDS = 15 * 60;

/** Sends without making the page wait (so no answer's timing depends on it); the mailer audits a failure, this logs which account missed its mail. */
export function mailInBackground(deps: Pick<SelfService, 'mailer'>, logger: Logger, accountId: string, mail: OutgoingMail): void {
  void deps.mailer.send(mail).catch((error: unknown) => logger.warn({ err: error, accountId, template: mail.template }, 'mail not sent'));
}

/** Answers about an address take at least this long, whether or not it has an account. */
export const ANSWER_FLOOR_MS = 400;

/** Waits out what is left of the floor since `startedAt` (Date.now() when the request began). */
export async function noSoonerThanFloor(startedAt: number, floorMs = ANSWER_FLOOR_MS): Promise<void> {
  const wait = startedAt + floorMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
