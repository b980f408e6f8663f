import { appPath } from '../http/issuer-path.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import { accountSessionOf } from '../account/account-session.ts';
import type { AccountService } from '../accounts/account-service.ts';
import { formOf } from '../interactions/forms.ts';
import { createInteractionPages, type InteractionPages } from '../interactions/pages.ts';
import type { Views } from '../pages/views.ts';
import { RECOVERY_CODE_COUNT } from './recovery-codes.ts';
import { qrCodeImage } from './totp-qr.ts';
import type { TotpService } from './totp-service.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

export interface TotpAccountDependencies {
  readonly totp: Pick<TotpService, 'isEnrolled' | 'summary' | 'startEnrolment' | 'confirmEnrolment' | 'remove' | 'regenerateRecoveryCodes'>;
  readonly accounts: Pick<AccountService, 'find'>;
  readonly views: Views;
}

export const TOTP_ACCOUNT_PATH = '/account/security/totp';

const textOf = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/** The base32 key in groups of four, as people copy it. */
const grouped = (secret: string): string => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.set('cache-control', 'no-store');
  ctx.redirect(appPath(ctx, location));
}

/**
 * `/account/security/totp`, mounted by the account router (which signs the person in, sets the
 * account session and checks every POST's `csrf` first). GET shows the enrolment (QR code, key,
 * `otpauth://` URI, a `code` field) or, once TOTP is on, its recovery codes and a way to turn it off.
 */
export function createTotpAccountRouter(deps: TotpAccountDependencies): Router {
  const pages = createInteractionPages(deps.views);
  const router = new Router({ prefix: TOTP_ACCOUNT_PATH });

  router.get('/', async (ctx) => {
    const { accountId } = accountSessionOf(ctx);
    return (await deps.totp.isEnrolled(accountId)) ? showManagement(deps, pages, ctx, 200) : showEnrolment(deps, pages, ctx, 200);
  });

  router.post('/', async (ctx) => {
    const { accountId } = accountSessionOf(ctx);
    const code = textOf(formOf(ctx).code);
    if (!code) return showEnrolment(deps, pages, ctx, 400, pageText('account.totp_enrol.error.code_missing'));
    const confirmation = await deps.totp.confirmEnrolment(accountId, code, ctx.ip);
    if (confirmation.refused === 'wrong-code')
      return showEnrolment(deps, pages, ctx, 400, pageText('account.totp_enrol.error.wrong_code'));
    if (confirmation.refused) {
      if (await deps.totp.isEnrolled(accountId)) return seeOther(ctx, TOTP_ACCOUNT_PATH);
      return showEnrolment(deps, pages, ctx, 400, pageText('account.totp_enrol.error.expired'));
    }
    return pages.render(ctx, 200, 'account/totp-recovery-codes', {
      renewed: false,
      codes: confirmation.recoveryCodes,
      next: '/account?done=totp-enrolled',
    });
  });

  router.post('/recovery-codes', async (ctx) => {
    const codes = await deps.totp.regenerateRecoveryCodes(accountSessionOf(ctx).accountId, ctx.ip);
    if (!codes) return seeOther(ctx, TOTP_ACCOUNT_PATH);
    return pages.render(ctx, 200, 'account/totp-recovery-codes', { renewed: true, codes, next: '/account' });
  });

  router.post('/remove', async (ctx) => {
    const { accountId } = accountSessionOf(ctx);
    if (!(await deps.totp.isEnrolled(accountId))) return seeOther(ctx, TOTP_ACCOUNT_PATH);
    const code = textOf(formOf(ctx).code);
    if (!code) return showManagement(deps, pages, ctx, 400, pageText('account.totp_manage.error.code_missing'));
    const check = await deps.totp.remove(accountId, code, ctx.ip);
    if (check.refused) {
      ctx.set('retry-after', String(check.refused.retryAfter));
      return showManagement(deps, pages, ctx, check.refused.status, pageText('login_code.refused.too_many_failures'));
    }
    if (!check.accepted)
      return showManagement(deps, pages, ctx, 400, pageText('account.totp_manage.error.wrong_code'));
    return seeOther(ctx, '/account?done=totp-removed');
  });

  return router;
}

async function showEnrolment(
  deps: TotpAccountDependencies,
  pages: InteractionPages,
  ctx: Context,
  status: number,
  error?: PageText,
): Promise<void> {
  const session = accountSessionOf(ctx);
  const account = await deps.accounts.find(session.accountId);
  if (!account) return pages.error(ctx, 404, pageText('error_page.account_not_found.heading'), pageText('error_page.account_not_found.message'));
  const enrolment = await deps.totp.startEnrolment(account.id, account.email);
  if (!enrolment) return seeOther(ctx, TOTP_ACCOUNT_PATH);
  await pages.render(ctx, status, 'account/totp-enrol', {
    csrf: session.csrf,
    email: account.email,
    qr: await qrCodeImage(enrolment.uri),
    groupedSecret: grouped(enrolment.secret),
    uri: enrolment.uri,
    error,
  });
}

async function showManagement(
  deps: TotpAccountDependencies,
  pages: InteractionPages,
  ctx: Context,
  status: number,
  error?: PageText,
): Promise<void> {
  const session = accountSessionOf(ctx);
  const summary = await deps.totp.summary(session.accountId);
  await pages.render(ctx, status, 'account/totp-manage', {
    csrf: session.csrf,
    recoveryCodesLeft: summary.recoveryCodesLeft,
    recoveryCodeCount: RECOVERY_CODE_COUNT,
    error,
  });
}
