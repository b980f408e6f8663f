import { appPath } from '../http/issuer-path.ts';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { issuedBeforeSessionsEnded } from '../accounts/account-repository.ts';
import { verifyCsrfToken } from '../interactions/csrf.ts';
import { formOf } from '../interactions/forms.ts';
import { onlyUnder } from '../http/middleware-chain.ts';
import { pageOnFailure } from '../pages/error-page.ts';
import type { Views } from '../pages/views.ts';
import { changePassword, revokeApp, signOutSessions, updateProfile } from './account-actions.ts';
import { ACCOUNT_CLIENT_ID, accountSignedOutUrl } from './account-client.ts';
import type { AccountPageDependencies } from './account-context.ts';
import { deleteAccount, deletionPage, signedInRecently } from './account-deletion.ts';
import { showAccount } from './account-page.ts';
import { accountSessionOf, setAccountSession } from './account-session.ts';
import { sameSecret } from '../crypto/same-secret.ts';
import { safeReturnPath } from './account-sign-in.ts';
import { confirmEmailChange, EMAIL_CONFIRM_PATH, emailChangeConfirmPage, requestEmailChange } from './email-change.ts';
import { pageText } from '../pages/page-text.ts';

/** Long enough to scan a QR code or name a passkey after signing in. */
const SECURITY_CHANGE_SECONDS = 15 * 60;


export interface AccountRouterOptions extends AccountPageDependencies {
  readonly views: Views;
  /** Pages of the second-factor features, mounted under the signed-in part (e.g. /account/security/totp). */
  readonly sections?: readonly Router[] | undefined;
}

/**
 * `/account`: a person's own page. Signing in goes through the provider as the first-party
 * client `portcullis-account`; the session it opens ends with the browser's sign-in, with the
 * account's sessions (password change, disable) and on sign-out.
 */
export function createAccountPages(options: AccountRouterOptions) {
  const deps: AccountPageDependencies = options;
  // Loaded with the first form post rather than at start (idle memory).
  let parser: Promise<Middleware> | undefined;
  const formParser = () => (parser ??= import('@koa/bodyparser').then(({ bodyParser }) => bodyParser({ enableTypes: ['form'], formLimit: '16kb', encoding: 'utf-8' }) as Middleware));

  async function parseForm(ctx: Context): Promise<boolean> {
    try {
      await (await formParser())(ctx, async () => {});
      return true;
    } catch {
      await deps.pages.error(ctx, 413, pageText('error_page.too_large.heading'), pageText('error_page.go_back'));
      return false;
    }
  }

  /** The signed-in account, or a sign-in first (a GET comes back to where it was going). */
  async function requireSession(ctx: Context, next: Next) {
    const id = deps.signIn.sessionIdOf(ctx);
    const stored = id ? await deps.sessions.find(id) : undefined;
    const account = stored ? await deps.accounts.find(stored.accountId) : null;
    const live =
      stored && account && !account.disabled && !issuedBeforeSessionsEnded(account, stored.authTime) && (!stored.sessionUid || (await deps.provider.current.Session.findByUid(stored.sessionUid)) !== undefined);
    if (!live || !stored || !account) {
      if (id) await deps.signIn.signOut(ctx);
      if (ctx.method === 'GET' || ctx.method === 'HEAD') return deps.signIn.start(ctx, ctx.path);
      ctx.status = 303;
      return ctx.redirect(appPath(ctx, '/account'));
    }
    setAccountSession(ctx, { accountId: account.id, authTime: stored.authTime, amr: stored.amr, csrf: stored.csrf, sessionUid: stored.sessionUid });
    (ctx.state as { account: unknown }).account = account;
    if (ctx.method === 'POST') {
      // JSON requests (passkey ceremonies) parse their own bodies and carry the token in a header.
      const json = ctx.is('application/json') !== false;
      if (!json && !(await parseForm(ctx))) return;
      const presented = json ? ctx.get('x-csrf-token') : formOf(ctx).csrf;
      if (typeof presented !== 'string' || !sameSecret(presented, stored.csrf)) return deps.pages.error(ctx, 403, pageText('error_page.form_expired.heading'), pageText('error_page.reload'));
    }
    await next();
  }

  /**
   * Second factors change how the account is protected: someone holding a stolen page session
   * must not enrol their own authenticator or remove the owner's, so these pages ask for the
   * password again unless the page signed in moments ago.
   */
  async function requireRecentSignIn(ctx: Context, next: Next): Promise<void> {
    if (signedInRecently(accountSessionOf(ctx).authTime, SECURITY_CHANGE_SECONDS)) {
      await next();
      return;
    }
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return deps.signIn.start(ctx, ctx.path, { reauthenticate: true });
    // A form sent from a stale page goes back to its section's page, which asks for the password.
    ctx.status = 303;
    ctx.redirect(appPath(ctx, safeReturnPath(/^\/account\/security\/[a-z-]+/.exec(ctx.path)?.[0])));
  }

  const router = new Router({ prefix: '/account' });
  router.use(pageOnFailure(options.views, options.logger));

  router.get('/callback', async function finishAccountSignIn(ctx) {
    const outcome = await deps.signIn.finish(ctx);
    if ('error' in outcome) {
      if (outcome.error === 'access_denied') return deps.pages.error(ctx, 403, pageText('error_page.account_not_signed_in.heading'), pageText('error_page.account_not_signed_in.message'));
      return deps.pages.error(ctx, 400, pageText('error_page.account_sign_in_failed.heading'), pageText('error_page.account_sign_in_failed.message'));
    }
    ctx.status = 303;
    ctx.redirect(appPath(ctx, outcome.returnTo));
  });
  router.get('/signed-out', (ctx) => deps.pages.render(ctx, 200, 'account/signed-out', {}));
  router.get('/email/confirm', emailChangeConfirmPage(deps));
  router.post('/email/confirm', async (ctx, next) => {
    if (!(await parseForm(ctx))) return;
    if (!verifyCsrfToken(ctx, formOf(ctx).csrf, deps.secureCookies)) return deps.pages.error(ctx, 403, pageText('error_page.form_expired.heading'), pageText('error_page.form_expired.open_link_again'));
    await next();
  }, confirmEmailChange(deps));

  const signedIn = new Router();
  signedIn.use(requireSession);
  signedIn.get('/', (ctx) => showAccount(deps, ctx, 200));
  signedIn.post('/profile', updateProfile(deps));
  signedIn.post('/email', requestEmailChange(deps));
  signedIn.post('/password', changePassword(deps));
  signedIn.post('/apps/revoke', revokeApp(deps));
  signedIn.post('/sessions/sign-out', signOutSessions(deps));
  signedIn.get('/delete', deletionPage(deps));
  signedIn.post('/delete', deleteAccount(deps));
  signedIn.post('/sign-out', async function signOutOfAccount(ctx) {
    await deps.signIn.signOut(ctx);
    // The browser's sign-in ends too, through RP-initiated logout (which asks the person to confirm).
    const logout = new URL(`${deps.issuer}/session/end`);
    logout.search = new URLSearchParams({ client_id: ACCOUNT_CLIENT_ID, post_logout_redirect_uri: accountSignedOutUrl(deps.issuer) }).toString();
    ctx.status = 303;
    ctx.redirect(logout.toString());
  });
  router.use(signedIn.routes(), signedIn.allowedMethods());
  // The sections carry their full paths (/account/security/…), so they sit beside this router, signed in as well.
  const sections = new Router();
  sections.use(pageOnFailure(options.views, options.logger), requireSession, requireRecentSignIn);
  for (const section of options.sections ?? []) sections.use(section.routes(), section.allowedMethods());
  return onlyUnder('/account', router.routes(), router.allowedMethods(), sections.routes(), sections.allowedMethods());
}

export { EMAIL_CONFIRM_PATH };
