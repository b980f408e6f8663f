import { appPath } from '../http/issuer-path.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import { accountSessionOf } from '../account/account-session.ts';
import type { AccountService } from '../accounts/account-service.ts';
import { formOf } from '../interactions/forms.ts';
import { createInteractionPages } from '../interactions/pages.ts';
import { PAGE_CSP_WITH_OWN_SCRIPTS } from '../pages/page-policy.ts';
import type { Views } from '../pages/views.ts';
import { passkeyScripts } from './assets.ts';
import { answerError, answerJson, jsonObjectOf } from './json-exchange.ts';
import type { PasskeySummary } from './passkey-repository.ts';
import { MAX_PASSKEY_NAME_LENGTH, MAX_PASSKEYS_PER_ACCOUNT, passkeyNameOf, type PasskeyService, type RegistrationFailure } from './passkey-service.ts';
import { pageText, type PageText } from '../pages/page-text.ts';

export interface PasskeyAccountDependencies {
  readonly passkeys: PasskeyService;
  readonly accounts: Pick<AccountService, 'find'>;
  readonly views: Views;
}

export const PASSKEYS_PAGE = '/account/security/passkeys';

const NOT_ON_ACCOUNT = pageText('passkeys.error.not_on_account');
const TOO_MANY = pageText('passkeys.error.too_many', { max: MAX_PASSKEYS_PER_ACCOUNT });

const REGISTRATION_MESSAGES: Record<RegistrationFailure, PageText> = {
  expired: pageText('passkeys.error.expired'),
  invalid: pageText('passkeys.error.invalid'),
  'too-many': TOO_MANY,
  'already-registered': pageText('passkeys.error.already_registered'),
};

/** What `?done=` after a change says: a fixed set, nothing from the URL is shown as it is. */
const NOTICES: Record<string, PageText> = { added: pageText('passkeys.done.added'), renamed: pageText('passkeys.done.renamed'), removed: pageText('passkeys.done.removed') };
const SIGNED_OUT = pageText('passkeys.error.signed_out');

const DAY = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });

const shown = (passkey: PasskeySummary) => ({
  id: passkey.id,
  name: passkey.name,
  added: DAY.format(passkey.createdAt),
  addedIso: passkey.createdAt.toISOString(),
  lastUsed: passkey.lastUsedAt ? DAY.format(passkey.lastUsedAt) : undefined,
  lastUsedIso: passkey.lastUsedAt?.toISOString(),
});

/**
 * `/account/security/passkeys`, mounted by the account router (which has signed the person in,
 * set the account session and checked the CSRF token of every POST: the `csrf` input of the forms,
 * the `x-csrf-token` header of the JSON requests): the list with rename and remove forms, and the
 * JSON endpoints the page's script adds a passkey through.
 */
export function createPasskeyAccountRouter(deps: PasskeyAccountDependencies): Router {
  const pages = createInteractionPages(deps.views);
  const router = new Router({ prefix: PASSKEYS_PAGE });

  async function showPasskeys(ctx: Context, status: number, extra: { error?: PageText; notice?: PageText | undefined } = {}): Promise<void> {
    const session = accountSessionOf(ctx);
    const passkeys = await deps.passkeys.list(session.accountId);
    await pages.render(
      ctx,
      status,
      'passkeys',
      {
        csrf: session.csrf,
        passkeys: passkeys.map(shown),
        canAdd: passkeys.length < MAX_PASSKEYS_PER_ACCOUNT,
        maxNameLength: MAX_PASSKEY_NAME_LENGTH,
        tooMany: TOO_MANY,
        scripts: await passkeyScripts(),
        ...extra,
      },
      { csp: PAGE_CSP_WITH_OWN_SCRIPTS },
    );
  }

  const ownerOf = async (ctx: Context) => deps.accounts.find(accountSessionOf(ctx).accountId);
  const passkeyIdOf = (ctx: Context) => (ctx.params as { id: string }).id;
  const backToList = (ctx: Context, done: keyof typeof NOTICES) => {
    ctx.status = 303;
    ctx.set('cache-control', 'no-store');
    ctx.redirect(appPath(ctx, `${PASSKEYS_PAGE}?done=${done}`));
  };

  router.get('/', async (ctx) => showPasskeys(ctx, 200, { notice: Object.hasOwn(NOTICES, String(ctx.query.done)) ? NOTICES[String(ctx.query.done)] : undefined }));

  router.post('/options', async (ctx) => {
    const owner = await ownerOf(ctx);
    if (!owner) return answerError(ctx, pages, 401, SIGNED_OUT);
    const issued = await deps.passkeys.registrationOptions(owner, ctx.ip);
    if ('failed' in issued) return answerError(ctx, pages, 409, TOO_MANY);
    if ('retryAfter' in issued) return answerError(ctx, pages, 429, pageText('passkeys.error.too_many_attempts'), issued.retryAfter);
    answerJson(ctx, 200, { ...issued.options });
  });

  router.post('/verify', async (ctx) => {
    const owner = await ownerOf(ctx);
    if (!owner) return answerError(ctx, pages, 401, SIGNED_OUT);
    const body = await jsonObjectOf(ctx, pages);
    if (!body) return;
    const outcome = await deps.passkeys.register(owner, { response: body.response, name: body.name, address: ctx.ip });
    if ('failed' in outcome) return answerError(ctx, pages, outcome.failed === 'too-many' ? 409 : 400, REGISTRATION_MESSAGES[outcome.failed]);
    answerJson(ctx, 200, { location: appPath(ctx, `${PASSKEYS_PAGE}?done=added`) });
  });

  router.post('/:id/rename', async (ctx) => {
    const name = passkeyNameOf(formOf(ctx).name);
    if (!name) return showPasskeys(ctx, 400, { error: pageText('passkeys.error.name_missing') });
    if (!(await deps.passkeys.rename(accountSessionOf(ctx).accountId, passkeyIdOf(ctx), name, ctx.ip))) return showPasskeys(ctx, 404, { error: NOT_ON_ACCOUNT });
    backToList(ctx, 'renamed');
  });

  router.post('/:id/remove', async (ctx) => {
    if (!(await deps.passkeys.remove(accountSessionOf(ctx).accountId, passkeyIdOf(ctx), ctx.ip))) return showPasskeys(ctx, 404, { error: NOT_ON_ACCOUNT });
    backToList(ctx, 'removed');
  });
  return router;
}
