import type { Middleware } from 'koa';
import { languageWishesOf } from '../pages/language.ts';
import { DuplicateEmailError } from '../accounts/account-repository.ts';
import { issueCsrfTokenFor } from '../interactions/csrf.ts';
import { TooManyRequestsError } from '../self-service/self-service-limits.ts';
import { mailInBackground, noSoonerThanFloor } from '../self-service/self-service.ts';
import { newAccountSchema } from '../accounts/account-service.ts';
import { currentPasswordMatches } from './account-actions.ts';
import { accountOf, auditAccount, backToAccount, formField, type AccountPageDependencies } from './account-context.ts';
import { showAccount } from './account-page.ts';
import { pageText, type Wording } from '../pages/page-text.ts';

const EMAIL_CHANGE_TTL_SECONDS = 24 * 3600;
export const EMAIL_CONFIRM_PATH = '/account/email/confirm';

/**
 * A new address, after the current password: a link goes to the new mailbox, and the address
 * changes only when it is opened there. An address that has an account already gets no mail; both
 * cases count against the same limits and answer after the same floor (the mail goes out in the
 * background), so the account page is no way to probe addresses.
 */
export function requestEmailChange(deps: AccountPageDependencies): Middleware {
  return async function mailEmailChangeLink(ctx) {
    const account = accountOf(ctx);
    const email = formField(ctx, 'email').trim();
    const again = (status: number, error: Wording) => showAccount(deps, ctx, status, { section: 'email', error, email });
    if (!newAccountSchema.shape.email.safeParse(email).success) return again(400, pageText('common.error.email_invalid'));
    if (email.toLowerCase() === account.email) return again(400, pageText('account.error.email_unchanged'));
    if (!(await currentPasswordMatches(deps, ctx, 'email', formField(ctx, 'password')))) return;
    const { selfService } = deps;
    const started = Date.now();
    try {
      await selfService.limits.mailFrom(ctx.ip);
      await selfService.limits.mailTo(email);
      const taken = await selfService.accounts.resolve(email).then(() => true, () => false);
      if (!taken) {
        const token = await selfService.tokens.issue(account.id, 'email-change', EMAIL_CHANGE_TTL_SECONDS, { newEmail: email, replacing: true });
        mailInBackground(selfService, deps.logger, account.id, { to: email, template: 'email-change', data: { name: account.name ?? '', link: `${deps.issuer}${EMAIL_CONFIRM_PATH}?token=${token}` }, wishes: languageWishesOf(ctx) });
      }
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      await noSoonerThanFloor(started);
      ctx.set('retry-after', String(error.retryAfter));
      return again(429, error.words);
    }
    await noSoonerThanFloor(started);
    auditAccount(deps, ctx, 'user.email_change_requested');
    backToAccount(ctx, 'email-sent', '#email');
  };
}

const INVALID = [pageText('error_page.link_invalid.heading'), pageText('error_page.link_invalid.email_change'), { href: '/account', label: pageText('error_page.link_invalid.account_page') }] as const;

/** GET: a button, so that a mail scanner opening the link changes nothing. */
export function emailChangeConfirmPage(deps: AccountPageDependencies): Middleware {
  return async function showEmailChangeConfirmation(ctx) {
    await deps.selfService.limits.linkUse(ctx.ip);
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const found = await deps.selfService.tokens.peek(token, 'email-change');
    if (!found || found.alreadyUsed || !found.newEmail) return deps.pages.error(ctx, 400, ...INVALID);
    await deps.pages.render(ctx, 200, 'account/email-confirm', { token, email: found.newEmail, csrf: issueCsrfTokenFor(ctx, EMAIL_CONFIRM_PATH, deps.secureCookies) });
  };
}

/** POST: the address changes (confirmed, since the link reached it); the old address is told. */
export function confirmEmailChange(deps: AccountPageDependencies): Middleware {
  return async function applyEmailChange(ctx) {
    const { selfService } = deps;
    await selfService.limits.linkUse(ctx.ip);
    const taken = await selfService.tokens.take(formField(ctx, 'token'), 'email-change');
    const account = taken && !taken.alreadyUsed && taken.newEmail ? await selfService.accounts.find(taken.accountId) : null;
    // A link asked for before the account's sessions were ended (a password change or reset) was
    // perhaps asked for by whoever those ended: it no longer moves the account.
    const outlived = account?.sessionsRevokedAt && taken && taken.issuedAt < account.sessionsRevokedAt;
    if (!taken || !account || account.disabled || !taken.newEmail || outlived) return deps.pages.error(ctx, 400, ...INVALID);
    try {
      await selfService.accounts.changeEmail(account.id, taken.newEmail);
    } catch (error) {
      if (error instanceof DuplicateEmailError) return deps.pages.error(ctx, 409, pageText('error_page.email_taken.heading'), pageText('error_page.email_taken.message'));
      throw error;
    }
    // Links already mailed to the old address (a reset, a verification) must not work for the account now.
    await selfService.tokens.expireAll(account.id, ['password-reset', 'verify-email']);
    selfService.audit.recordInBackground({ actor: `user:${account.id}`, action: 'user.email_changed', target: account.id, address: ctx.ip });
    void selfService.mailer
      .send({ to: account.email, template: 'email-changed', data: { name: account.name ?? '', link: `${deps.issuer}/account` }, wishes: languageWishesOf(ctx) })
      .catch((error: unknown) => deps.logger.warn({ err: error, accountId: account.id }, 'could not tell the old address of an email change'));
    await deps.pages.render(ctx, 200, 'account/email-changed', { email: taken.newEmail });
  };
}
