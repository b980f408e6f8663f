import type { Middleware } from 'koa';
import { accountOf, auditAccount, type AccountPageDependencies } from './account-context.ts';
import { accountSessionOf } from './account-session.ts';

/** Deleting needs a sign-in this recent, not just an open page. */
export const REAUTHENTICATION_SECONDS = 5 * 60;

export const signedInRecently = (authTime: number, withinSeconds = REAUTHENTICATION_SECONDS): boolean => Math.floor(Date.now() / 1000) - authTime <= withinSeconds;

/** GET: after a fresh sign-in, a page that says what deleting does, with the button. */
export function deletionPage(deps: AccountPageDependencies): Middleware {
  return async function showDeletion(ctx) {
    const session = accountSessionOf(ctx);
    if (!signedInRecently(session.authTime)) return deps.signIn.start(ctx, '/account/delete', { reauthenticate: true });
    await deps.pages.render(ctx, 200, 'account/delete', { csrf: session.csrf, email: accountOf(ctx).email });
  };
}

/** POST: everything the account was issued ends, then the account goes. */
export function deleteAccount(deps: AccountPageDependencies): Middleware {
  return async function deleteOwnAccount(ctx) {
    const session = accountSessionOf(ctx);
    if (!signedInRecently(session.authTime)) return deps.signIn.start(ctx, '/account/delete', { reauthenticate: true });
    const account = accountOf(ctx);
    auditAccount(deps, ctx, 'user.deleted', { by: 'self' });
    await deps.accounts.delete(account.id);
    await deps.signIn.signOut(ctx);
    await deps.pages.render(ctx, 200, 'account/deleted', { email: account.email });
  };
}
