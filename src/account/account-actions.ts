import type { Context, Middleware } from 'koa';
import { languageWishesOf } from '../pages/language.ts';
import { PasswordRejectedError } from '../accounts/password-policy.ts';
import { expectedFailure } from '../errors/app-error.ts';
import { asSentence } from '../pages/error-page.ts';
import { mailInBackground } from '../self-service/self-service.ts';
import { accountOverview, browserRefsOf } from './account-overview.ts';
import { accountOf, auditAccount, backToAccount, formField, type AccountPageDependencies } from './account-context.ts';
import { accountSessionOf } from './account-session.ts';
import { showAccount } from './account-page.ts';
import { pageText } from '../pages/page-text.ts';

const REFUSED = {
  busy: pageText('account.refused.busy'),
  'too-many-in-flight': pageText('account.refused.too_many_in_flight'),
  'too-many-failures': pageText('account.refused.too_many_failures'),
} as const;

const MAX_NAME_LENGTH = 200;

/**
 * The current password, checked under the same throttle as a sign-in (a stolen session must not
 * become a way to guess it). Answers the page itself and returns false when it is wrong.
 */
export async function currentPasswordMatches(deps: AccountPageDependencies, ctx: Context, section: string, password: string): Promise<boolean> {
  const account = accountOf(ctx);
  if (!password) {
    await showAccount(deps, ctx, 400, { section, error: pageText('account.error.current_password_missing') });
    return false;
  }
  const outcome = await deps.throttle.signIn({ email: account.email, address: ctx.ip }, () => deps.accounts.authenticate(account.email, password));
  if (outcome.refused) {
    ctx.set('retry-after', String(outcome.refused.retryAfter));
    await showAccount(deps, ctx, outcome.refused.status, { section, error: REFUSED[outcome.refused.reason] });
    return false;
  }
  if (outcome.account?.id !== account.id) {
    auditAccount(deps, ctx, 'user.password_check_failed', { section });
    await showAccount(deps, ctx, 401, { section, error: pageText('account.error.current_password_wrong') });
    return false;
  }
  return true;
}

export function updateProfile(deps: AccountPageDependencies): Middleware {
  return async function saveProfile(ctx) {
    const name = formField(ctx, 'name').trim();
    if (name.length > MAX_NAME_LENGTH) return showAccount(deps, ctx, 400, { section: 'profile', error: pageText('account.error.name_too_long', { max: MAX_NAME_LENGTH }) });
    await deps.accounts.update(accountOf(ctx).id, { name: name || null });
    auditAccount(deps, ctx, 'user.profile_updated');
    backToAccount(ctx, 'profile', '#profile');
  };
}

/** A new password, after the current one: every session and token of the account ends, this page's too. */
export function changePassword(deps: AccountPageDependencies): Middleware {
  return async function setNewPassword(ctx) {
    const account = accountOf(ctx);
    const password = formField(ctx, 'password');
    if (!(await currentPasswordMatches(deps, ctx, 'password', formField(ctx, 'current_password')))) return;
    if (!password) return showAccount(deps, ctx, 400, { section: 'password', error: pageText('account.error.new_password_missing') });
    try {
      await deps.accounts.setPassword(account.id, password);
    } catch (error) {
      if (error instanceof PasswordRejectedError) return showAccount(deps, ctx, 400, { section: 'password', error: error.words });
      if (expectedFailure(error)?.code === 'invalid_input') return showAccount(deps, ctx, 400, { section: 'password', error: asSentence(expectedFailure(error)!.message) });
      throw error;
    }
    auditAccount(deps, ctx, 'user.password_changed');
    mailInBackground(deps.selfService, deps.logger, account.id, { to: account.email, template: 'password-changed', data: { name: account.name ?? '', link: `${deps.issuer}/account` }, wishes: languageWishesOf(ctx) });
    await deps.signIn.signOut(ctx);
    await deps.pages.render(ctx, 200, 'account/password-changed', {});
  };
}

/** Ends one app's access: its grant, with every refresh token and opaque access token of it. */
export function revokeApp(deps: AccountPageDependencies): Middleware {
  return async function revokeConnectedApp(ctx) {
    const account = accountOf(ctx);
    const ref = formField(ctx, 'grant');
    const { apps } = await accountOverview(deps, account.id, undefined);
    const app = apps.find((candidate) => candidate.ref === ref);
    if (!app) return showAccount(deps, ctx, 404, { section: 'apps', error: pageText('account.error.app_gone') });
    await deps.store.revokeAccountArtifact(account.id, ref);
    auditAccount(deps, ctx, 'user.app_revoked', { client_id: app.clientId });
    backToAccount(ctx, 'app-revoked', '#apps');
  };
}

/** Signs out one other browser (`session`), or every other one (no `session`). */
export function signOutSessions(deps: AccountPageDependencies): Middleware {
  return async function signOutOtherBrowsers(ctx) {
    const account = accountOf(ctx);
    const only = formField(ctx, 'session');
    const { sessions, artifacts } = await accountOverview(deps, account.id, accountSessionOf(ctx).sessionUid);
    const ending = sessions.filter((session) => !session.current && (!only || session.ref === only));
    if (only && ending.length === 0) return showAccount(deps, ctx, 404, { section: 'sessions', error: pageText('account.error.session_gone') });
    const uids = new Set(artifacts.filter(({ ref }) => ending.some((session) => session.ref === ref)).map(({ payload }) => String(payload.uid)));
    for (const ref of [...ending.map((session) => session.ref), ...browserRefsOf(artifacts, uids)]) await deps.store.revokeAccountArtifact(account.id, ref);
    deps.sessionLogout(account.id, artifacts.filter(({ ref }) => ending.some((session) => session.ref === ref)).map(({ payload }) => payload));
    auditAccount(deps, ctx, 'user.sessions_signed_out', { count: ending.length });
    backToAccount(ctx, 'signed-out-others', '#sessions');
  };
}
