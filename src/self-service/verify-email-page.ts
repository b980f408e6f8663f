import Router from '@koa/router';
import type { ProviderHandle } from '../keys/provider-handle.ts';
import { createInteractionPages } from '../interactions/pages.ts';
import { SIGNUP_COOKIE } from '../interactions/signup-step.ts';
import { expectedFailure } from '../errors/app-error.ts';
import { pageOnFailure } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import type { Logger } from '../observability/logger.ts';
import type { SelfService } from './self-service.ts';

/**
 * GET /verify-email?token=…: the link of a verification mail. Opening it confirms the address
 * (once; a second opening, such as a mail scanner's and then the person's, says it is confirmed).
 * The browser that signed up goes on with its sign-in; any other is told it can sign in now.
 */
export function createVerifyEmailRouter(deps: { selfService: SelfService; provider: Pick<ProviderHandle, 'current'>; views: Views; logger: Logger }): Router {
  const pages = createInteractionPages(deps.views);
  const router = new Router();
  router.use(pageOnFailure(deps.views, deps.logger));
  router.get('/verify-email', async function verifyEmail(ctx) {
    const { selfService } = deps;
    try {
      await selfService.limits.linkUse(ctx.ip);
    } catch (error) {
      const limited = expectedFailure(error);
      if (!limited) throw error;
      if (limited.retryAfter) ctx.set('retry-after', String(limited.retryAfter));
      return pages.error(ctx, limited.status, 'Too many attempts', limited.message);
    }
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const taken = await selfService.tokens.take(token, 'verify-email');
    if (!taken) return pages.error(ctx, 400, 'This link has expired or is not valid', 'Sign in with your email and password, and we will send you a new link.');
    const account = await selfService.accounts.find(taken.accountId);
    if (!account || account.disabled) return pages.error(ctx, 400, 'This link has expired or is not valid', 'Sign in with your email and password, and we will send you a new link.');
    if (!account.emailVerified) {
      await selfService.accounts.markEmailVerified(account.id);
      selfService.audit.recordInBackground({ actor: `user:${account.id}`, action: 'user.email_verified', target: account.id, address: ctx.ip });
    }
    const uid = taken.interactionUid;
    if (uid && ctx.cookies.get(SIGNUP_COOKIE, { signed: true }) === uid && (await deps.provider.current.Interaction.find(uid))) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${uid}/continue`);
    }
    return pages.render(ctx, 200, 'email-verified', { alreadyUsed: taken.alreadyUsed });
  });
  return router;
}
