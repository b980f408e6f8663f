import type { Context } from 'koa';

/**
 * The signed-in person on `/account` and every page under it. The account router sets it (after
 * signing the browser in through the first-party client) before any route below it runs, and it
 * checks the `csrf` field of every POST under `/account` against `csrf` here.
 */
export interface AccountSession {
  readonly accountId: string;
  /** Epoch seconds of the sign-in that opened this session, or of the latest re-authentication. */
  readonly authTime: number;
  /** How that sign-in was made (RFC 8176 values, as in the ID token). */
  readonly amr: readonly string[];
  /** The value every form under `/account` carries in its hidden `csrf` input. */
  readonly csrf: string;
  /** The provider session (browser sign-in) it came from. */
  readonly sessionUid?: string | undefined;
}

export function accountSessionOf(ctx: Context): AccountSession {
  const session = (ctx.state as { accountSession?: AccountSession }).accountSession;
  if (!session) throw new Error('no account session: the route is not mounted under the account router');
  return session;
}

export function setAccountSession(ctx: Context, session: AccountSession): void {
  (ctx.state as { accountSession?: AccountSession }).accountSession = session;
}
