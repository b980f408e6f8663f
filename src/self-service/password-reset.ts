import type { Logger } from '../observability/logger.ts';
import type { LanguageWishes } from '../pages/language.ts';
import { mailInBackground, noSoonerThanFloor, type SelfService } from './self-service.ts';
import { TooManyRequestsError } from './self-service-limits.ts';

export const RESET_TTL_SECONDS = 30 * 60;

export const resetLink = (issuer: string, token: string): string => `${issuer}/password-reset/choose?token=${token}`;

/**
 * Asks for a reset link for `email`. The answer is the same, after the same time, whether or not
 * the address has an account: the lookup and the mail run behind a fixed floor, and the mail is sent
 * in the background (its failures are logged and audited by the mailer). Only the per-address
 * limit is visible: it counts every request alike.
 */
export async function requestPasswordReset(deps: SelfService, logger: Logger, email: string, request: { address: string; wishes?: LanguageWishes | undefined }): Promise<void> {
  const started = Date.now();
  await deps.limits.mailFrom(request.address);
  try {
    const account = await deps.accounts.resolve(email).catch(() => undefined);
    if (account && !account.disabled) {
      await deps.limits.mailTo(account.email);
      const token = await deps.tokens.issue(account.id, 'password-reset', RESET_TTL_SECONDS, { replacing: true });
      deps.audit.recordInBackground({ actor: 'anonymous', action: 'user.password_reset_requested', target: account.id, address: request.address });
      mailInBackground(deps, logger, account.id, { to: account.email, template: 'password-reset', data: { name: account.name ?? '', link: resetLink(deps.issuer, token) }, wishes: request.wishes });
    }
  } catch (error) {
    if (!(error instanceof TooManyRequestsError)) throw error;
  } finally {
    await noSoonerThanFloor(started);
  }
}
