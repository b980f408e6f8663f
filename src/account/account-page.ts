import type { Context } from 'koa';
import { accountOverview } from './account-overview.ts';
import { accountOf, type AccountPageDependencies } from './account-context.ts';
import { accountSessionOf } from './account-session.ts';

/** What `?done=` may say: fixed sentences only, so nothing from the URL is ever shown. */
const DONE: Readonly<Record<string, string>> = {
  profile: 'Your profile was saved.',
  'email-sent': 'We sent a link to your new address. Open it to finish the change.',
  'email-changed': 'Your email address was changed.',
  'app-revoked': 'The app can no longer use your account.',
  'signed-out-others': 'Your other sessions were signed out.',
  'totp-enrolled': 'Two-step verification is on.',
  'totp-removed': 'Two-step verification is off.',
  'passkey-added': 'Your passkey was added.',
  'passkey-removed': 'The passkey was removed.',
};

const when = (epochSeconds: number | undefined): string =>
  epochSeconds === undefined ? 'unknown' : new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

export interface AccountPageState {
  /** The section a refused form belongs to: its message is shown there, and it gets the focus. */
  readonly section?: string;
  readonly error?: string;
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
