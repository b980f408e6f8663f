import Router from '@koa/router';
import { languageWishesOf } from '../pages/language.ts';
import type { Context } from 'koa';
import { PasswordRejectedError } from '../accounts/password-policy.ts';
import { expectedFailure } from '../errors/app-error.ts';
import { issueCsrfTokenFor } from '../interactions/csrf.ts';
import { formOf, parseCheckedForm } from '../interactions/forms.ts';
import { createInteractionPages, type InteractionPages } from '../interactions/pages.ts';
import type { Logger } from '../observability/logger.ts';
import { failureWording, pageOnFailure } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import { requestPasswordReset } from './password-reset.ts';
import { mailInBackground, type SelfService } from './self-service.ts';
import { pageText, type Wording } from '../pages/page-text.ts';

const EXPIRED = [pageText('error_page.link_invalid.heading'), pageText('error_page.link_invalid.password_reset'), { href: '/password-reset', label: pageText('error_page.link_invalid.new_reset_link') }] as const;

/** The reset request form, inside a sign-in (`back` to it) or on its own. */
export async function showResetRequest(pages: InteractionPages, ctx: Context, form: { action: string; csrf: string; back?: string; email?: string; error?: Wording }, status = 200): Promise<void> {
  await pages.render(ctx, status, 'password-reset', { email: '', ...form });
}

/** Answers a reset request: the same page whatever the address, or the per-address limit. */
export async function answerResetRequest(deps: SelfService, pages: InteractionPages, logger: Logger, ctx: Context, form: { action: string; csrf: string; back?: string }): Promise<void> {
  const email = typeof formOf(ctx).email === 'string' ? String(formOf(ctx).email).trim() : '';
  if (!email || email.length > 320) return showResetRequest(pages, ctx, { ...form, email, error: pageText('password_reset.error.email_missing') }, 400);
  try {
    await requestPasswordReset(deps, logger, email, { address: ctx.ip, wishes: languageWishesOf(ctx) });
  } catch (error) {
    const limited = expectedFailure(error);
    if (limited?.code !== 'rate_limited') throw error;
    if (limited.retryAfter) ctx.set('retry-after', String(limited.retryAfter));
    return showResetRequest(pages, ctx, { ...form, email, error: failureWording(limited) }, 429);
  }
  await pages.render(ctx, 200, 'password-reset-sent', { email, back: form.back });
}

/**
 * /password-reset: ask for a link by email; /password-reset/choose?token=…: the link, a form for the
 * new password. The token is taken only when a password that meets the policy is sent; the new
 * password ends every session and grant of the account, and its owner gets a notice.
 */
export function createPasswordResetRouter(deps: { selfService: SelfService; views: Views; logger: Logger }): Router {
  const { selfService, logger } = deps;
  const pages = createInteractionPages(deps.views);
  const secure = selfService.secureCookies;
  const form = parseCheckedForm(pages, secure);
  const router = new Router();
  router.use(pageOnFailure(deps.views, logger));
  router.use(async (ctx, next) => {
    if (!selfService.passwordReset) return pages.error(ctx, 404, pageText('error_page.password_reset_unavailable.heading'), pageText('error_page.password_reset_unavailable.message'));
    await next();
  });

  router.get('/password-reset', (ctx) => showResetRequest(pages, ctx, { action: '/password-reset', csrf: issueCsrfTokenFor(ctx, '/password-reset', secure) }));
  router.post('/password-reset', form, (ctx) => answerResetRequest(selfService, pages, logger, ctx, { action: '/password-reset', csrf: issueCsrfTokenFor(ctx, '/password-reset', secure) }));

  /** The account an untaken reset token is for, when it is still live. */
  const resettableAccount = async (token: string) => {
    const found = await selfService.tokens.peek(token, 'password-reset');
    const account = found && !found.alreadyUsed ? await selfService.accounts.find(found.accountId) : null;
    return account && !account.disabled ? account : undefined;
  };

  const showChoose = async (ctx: Context, token: string, status: number, error?: Wording) => {
    const account = await resettableAccount(token);
    if (!account) return pages.error(ctx, 400, ...EXPIRED);
    await pages.render(ctx, status, 'password-choose', { token, email: account.email, error, minLength: selfService.accounts.passwordPolicy.minLength, csrf: issueCsrfTokenFor(ctx, '/password-reset', secure) });
    return account;
  };

  router.get('/password-reset/choose', async (ctx) => {
    await selfService.limits.linkUse(ctx.ip);
    await showChoose(ctx, typeof ctx.query.token === 'string' ? ctx.query.token : '', 200);
  });

  router.post('/password-reset/choose', form, async (ctx) => {
    await selfService.limits.linkUse(ctx.ip);
    const fields = formOf(ctx);
    const token = typeof fields.token === 'string' ? fields.token : '';
    const password = typeof fields.password === 'string' ? fields.password : '';
    const account = await resettableAccount(token);
    if (!account) return pages.error(ctx, 400, ...EXPIRED);
    try {
      await selfService.accounts.passwordPolicy.accept(password, { email: account.email });
    } catch (error) {
      if (!(error instanceof PasswordRejectedError)) throw error;
      return showChoose(ctx, token, 400, error.words);
    }
    const taken = await selfService.tokens.take(token, 'password-reset');
    if (!taken || taken.alreadyUsed || taken.accountId !== account.id) return pages.error(ctx, 400, ...EXPIRED);
    await selfService.accounts.setPassword(account.id, password);
    // The link came to the mailbox: the address is its owner's.
    if (!account.emailVerified) await selfService.accounts.markEmailVerified(account.id);
    selfService.audit.recordInBackground({ actor: `user:${account.id}`, action: 'user.password_reset', target: account.id, address: ctx.ip });
    mailInBackground(selfService, logger, account.id, { to: account.email, template: 'password-changed', data: { name: account.name ?? '', link: `${selfService.issuer}/password-reset` }, wishes: languageWishesOf(ctx) });
    await pages.render(ctx, 200, 'password-changed', {});
  });
  return router;
}
