import { appPath } from '../http/issuer-path.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../accounts/account-repository.ts';
import { issueCsrfTokenFor } from '../interactions/csrf.ts';
import { formOf, parseCheckedForm } from '../interactions/forms.ts';
import { createInteractionPages } from '../interactions/pages.ts';
import type { ProviderHandle } from '../keys/provider-handle.ts';
import type { Logger } from '../observability/logger.ts';
import { pageOnFailure } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import type { SelfService } from './self-service.ts';
import { boundTo, signupBindingOf } from './signup-binding.ts';
import { pageText } from '../pages/page-text.ts';

const INVALID = [pageText('error_page.link_invalid.heading'), pageText('error_page.link_invalid.verify_email'), { href: '/account', label: pageText('error_page.link_invalid.sign_in') }] as const;

/**
 * The link of a verification mail, /verify-email?token=…. In the browser that signed up (its
 * binding names the link's sign-in and account), opening it confirms the address and resumes the
 * sign-in. Anywhere else it shows a button that confirms (POST): a mail scanner fetching links
 * confirms nothing. A confirmed address ends any session the account had before (someone who
 * registered another person's address keeps nothing once its owner confirms it).
 */
export function createVerifyEmailRouter(deps: { selfService: SelfService; provider: Pick<ProviderHandle, 'current'>; views: Views; logger: Logger }): Router {
  const { selfService } = deps;
  const pages = createInteractionPages(deps.views);
  const form = parseCheckedForm(pages, selfService.secureCookies);
  const router = new Router();
  router.use(pageOnFailure(deps.views, deps.logger));

  const liveAccount = async (accountId: string): Promise<Account | undefined> => {
    const account = await selfService.accounts.find(accountId);
    return account && !account.disabled ? account : undefined;
  };
  const confirm = async (ctx: Context, account: Account) => {
    if (account.emailVerified) return;
    await selfService.accounts.markEmailVerified(account.id);
    await selfService.accounts.signOutEverywhere(account.id);
    selfService.audit.recordInBackground({ actor: `user:${account.id}`, action: 'user.email_verified', target: account.id, address: ctx.ip });
  };

  router.get('/verify-email', async function openVerificationLink(ctx) {
    await selfService.limits.linkUse(ctx.ip);
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const found = await selfService.tokens.peek(token, 'verify-email');
    const account = found ? await liveAccount(found.accountId) : undefined;
    if (!found || !account) return pages.error(ctx, 400, ...INVALID);
    const uid = found.interactionUid;
    const resumable = boundTo(signupBindingOf(ctx, selfService.secureCookies), found) && uid !== null && (await deps.provider.current.Interaction.find(uid)) !== undefined;
    if (resumable) {
      await selfService.tokens.take(token, 'verify-email');
      await confirm(ctx, account);
      ctx.status = 303;
      return ctx.redirect(appPath(ctx, `/interaction/${uid}/continue`));
    }
    if (found.alreadyUsed) return pages.render(ctx, 200, 'email-verified', { alreadyUsed: true });
    await pages.render(ctx, 200, 'email-confirm', { token, email: account.email, csrf: issueCsrfTokenFor(ctx, '/verify-email', selfService.secureCookies) });
  });

  router.post('/verify-email', form, async function confirmEmailAddress(ctx) {
    await selfService.limits.linkUse(ctx.ip);
    const token = typeof formOf(ctx).token === 'string' ? String(formOf(ctx).token) : '';
    const taken = await selfService.tokens.take(token, 'verify-email');
    const account = taken ? await liveAccount(taken.accountId) : undefined;
    if (!taken || !account) return pages.error(ctx, 400, ...INVALID);
    if (!taken.alreadyUsed) await confirm(ctx, account);
    await pages.render(ctx, 200, 'email-verified', { alreadyUsed: taken.alreadyUsed });
  });
  return router;
}
