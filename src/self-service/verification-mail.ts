import type { Account } from '../accounts/account-repository.ts';
import type { LanguageWishes } from '../pages/language.ts';
import { VERIFICATION_TTL_SECONDS, type SelfService } from './self-service.ts';
import { TooManyRequestsError } from './self-service-limits.ts';

export const verificationLink = (issuer: string, token: string): string => `${issuer}/verify-email?token=${token}`;

/** Mails the account's owner a link that confirms the address (and resumes `interactionUid` in the same browser). */
export async function sendVerificationMail(deps: SelfService, account: Account, request: { address: string; interactionUid?: string | undefined; wishes?: LanguageWishes | undefined }): Promise<void> {
  await deps.limits.mailFrom(request.address);
  await deps.limits.mailTo(account.email);
  const token = await deps.tokens.issue(account.id, 'verify-email', VERIFICATION_TTL_SECONDS, { interactionUid: request.interactionUid });
  await deps.mailer.send({ to: account.email, template: 'verify-email', data: { name: account.name ?? '', link: verificationLink(deps.issuer, token) }, wishes: request.wishes });
  deps.audit.recordInBackground({ actor: `user:${account.id}`, action: 'user.verification_sent', target: account.id, address: request.address });
}

/**
 * Someone tried to sign up with an address that has an account: its owner is told, and the person
 * signing up sees what a new sign-up sees. Past the per-mailbox limit nothing is sent, silently.
 */
export async function sendExistingAccountNotice(deps: SelfService, account: Account, request: { address: string }): Promise<void> {
  await deps.limits.mailFrom(request.address);
  try {
    await deps.limits.mailTo(account.email);
  } catch (error) {
    if (error instanceof TooManyRequestsError) return;
    throw error;
  }
  const link = deps.passwordReset ? `${deps.issuer}/password-reset` : `${deps.issuer}/account`;
  await deps.mailer.send({ to: account.email, template: 'signup-existing-account', data: { link } });
  deps.audit.recordInBackground({ actor: 'anonymous', action: 'user.signup_existing', target: account.id, address: request.address });
}
