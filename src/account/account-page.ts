import type { Context } from 'koa';
import { accountOverview } from './account-overview.ts';
import { accountOf, type AccountPageDependencies } from './account-context.ts';
import { accountSessionOf } from './account-session.ts';
import { pageText, type PageText, type Wording } from '../pages/page-text.ts';

/** What `?done=` may say: fixed sentences only, so nothing from the URL is ever shown. */
const DONE: Readonly<Record<string, PageText>> = {
  profile: pageText('account.done.profile'),
  'email-sent': pageText('account.done.email_sent'),
  'email-changed': pageText('account.done.email_changed'),
  'app-revoked': pageText('account.done.app_revoked'),
  'signed-out-others': pageText('account.done.signed_out_others'),
  'totp-enrolled': pageText('account.done.totp_enrolled'),
  'totp-removed': pageText('account.done.totp_removed'),
  'passkey-added': pageText('account.done.passkey_added'),
  'passkey-removed': pageText('account.done.passkey_removed'),
};

const when = (epochSeconds: number | undefined): Wording =>
  epochSeconds === undefined ? pageText('account.overview.unknown_time') : new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

export interface AccountPageState {
  /** The section a refused form belongs to: its message is shown there, and it gets the focus. */
  readonly section?: string;
  readonly error?: Wording;
  readonly email?: string;
}

export async function showAccount(deps: AccountPageDependencies, ctx: Context, status: number, state: AccountPageState = {}): Promise<void> {
  const account = accountOf(ctx);
  const session = accountSessionOf(ctx);
  const [{ apps, sessions }, security] = await Promise.all([accountOverview(deps, account.id, session.sessionUid), deps.security(account.id)]);
  const done = typeof ctx.query.done === 'string' && status === 200 && Object.hasOwn(DONE, ctx.query.done) ? DONE[ctx.query.done] : undefined;
  await deps.pages.render(ctx, status, 'account/overview', {
    csrf: session.csrf,
    account,
    done,
    section: state.section,
    error: state.error,
    newEmail: state.email ?? '',
    minLength: deps.accounts.passwordPolicy.minLength,
    apps: apps.map((app) => ({ ...app, grantedAt: when(app.grantedAt) })),
    sessions: sessions.map((entry) => ({ ...entry, signedInAt: when(entry.signedInAt) })),
    security,
    passwordReset: deps.selfService.passwordReset,
  });
}
